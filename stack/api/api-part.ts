import type { Part } from '../part';
import { startApiProcess, type ApiProcess } from './api-process';

/** The API process as a part: the same environment, host and port at every start. */
export function apiPart(options: { env: NodeJS.ProcessEnv; host: string; port: number; log: (line: string) => void }): Part<ApiProcess> {
  const start = () => startApiProcess({ env: options.env, host: options.host, port: options.port, onOutput: (line) => options.log(`[api] ${line.replace(/^\[api\] /, '')}`) });
  return {
    name: 'the API process',
    stopSignal: 'SIGTERM',
    start,
    restart: start,
    afterRestart: (current) => options.log(`[supervisor] the API process started in ${current.startupMs} ms`),
  };
}
