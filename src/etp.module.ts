import { Module, type DynamicModule } from '@nestjs/common';
import { EtpRoomsService } from './rooms/etp-rooms.service.js';

/**
 * Import once, in the root module: `EtpModule.forRoot()`. It is global and exports
 * `EtpRoomsService`, which `EtpAdapter` feeds with every connection.
 */
@Module({})
export class EtpModule {
  static forRoot(): DynamicModule {
    return {
      module: EtpModule,
      global: true,
      providers: [EtpRoomsService],
      exports: [EtpRoomsService],
    };
  }
}
