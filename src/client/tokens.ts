import { Inject } from '@nestjs/common';
import { EtpClient } from './etp-client.js';

/** The injection token of a named client; the default client's token is `EtpClient` itself. */
export function getEtpClientToken(name?: string): string | typeof EtpClient {
  return name === undefined ? EtpClient : `EtpClient:${name}`;
}

/** Injects the client of that name, as configured in `EtpModule.forRoot({ clients })`. */
export function InjectEtpClient(name?: string): PropertyDecorator & ParameterDecorator {
  return Inject(getEtpClientToken(name));
}
