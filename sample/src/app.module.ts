import { Module } from '@nestjs/common';
import { EtpModule } from 'nestjs-etp';
import { HelloGateway } from './hello.gateway.js';

@Module({
  imports: [EtpModule.forRoot()],
  providers: [HelloGateway],
})
export class AppModule {}
