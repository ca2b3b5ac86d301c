/**
 * The embedded chain, run as its own process by `chain.ts`: anvil (from npm, `@foundry-rs/anvil`)
 * with chain id 31337 and Hardhat's well-known test accounts, keeping its state in a file of the data
 * folder (written every second and on exit), so a restart resumes the chain where it stopped.
 *
 * argv: <host> <port> [<state file>] (without one, the chain lives in memory). Prints one JSON line `{"event":"ready","url":...}` when anvil
 * listens, and stops anvil (which then writes its state) when its standard input closes, so the chain
 * never outlives the stack, even when the stack crashes.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { anvilBinary } from './anvil-binary';
import { TEST_MNEMONIC } from './demo-accounts';

const [host = '127.0.0.1', portText = '8545', stateFile] = process.argv.slice(2);
const anvil = spawn(
  anvilBinary(),
  [
    '--host', host,
    '--port', portText,
    '--chain-id', '31337',
    '--mnemonic', TEST_MNEMONIC,
    '--accounts', '20',
    '--balance', '10000',
    '--hardfork', 'cancun',
    // graph-node and the API read contract state at past blocks, also after a restart.
    ...(stateFile ? ['--state', stateFile, '--state-interval', '1', '--preserve-historical-states'] : []),
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);

createInterface({ input: anvil.stdout }).on('line', (line) => {
  const listening = /^Listening on (\S+):(\d+)$/.exec(line.trim());
  if (listening) {
    process.stdout.write(`${JSON.stringify({ event: 'ready', url: `http://${listening[1]}:${listening[2]}`, pid: anvil.pid })}\n`);
  } else if (/error|panic/i.test(line)) {
    process.stderr.write(`${line}\n`);
  }
});
anvil.on('error', (error) => {
  process.stderr.write(`anvil could not be started: ${error.message}\n`);
  process.exit(1);
});
anvil.on('exit', (code, signal) => {
  if (!stopping) process.stderr.write(`anvil exited (${signal ?? `exit code ${code}`}).\n`);
  process.exit(stopping ? 0 : 1);
});

let stopping = false;
const stop = () => {
  stopping = true;
  anvil.kill('SIGTERM');
};
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', () => undefined); // the stack stops this process itself, after the parts that use it
