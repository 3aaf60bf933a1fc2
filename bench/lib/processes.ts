import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface Child {
  process: ChildProcess;
  port: number;
  url: string;
  stop(): Promise<void>;
  kill9(): Promise<void>;
}

/** Forks a TypeScript entry (through tsx) and waits for it to report the port it listens on. */
export async function forkServer(entry: string, env: Record<string, string> = {}): Promise<Child> {
  const child = fork(fileURLToPath(new URL(`../servers/${entry}`, import.meta.url)), [], {
    execArgv: ['--import', 'tsx', ...(process.env.BENCH_PROF && entry === 'baton.ts' ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : [])],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`${entry} exited with ${code} before listening`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    port,
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null && child.connected) child.send('stop');
      else child.kill('SIGTERM');
      await exited;
    },
    kill9: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
