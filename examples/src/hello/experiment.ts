/**
 * `tsx --conditions=@tfsim/source src/hello/experiment.ts '<json>'`: one
 * hello-world training run with choices over the defaults (HelloOptions'
 * steps, embeddingSize, learningRate and tuning), no pictures; prints one
 * JSON line with the unseen and known numbers and the time. For comparing
 * configurations at fixed seeds.
 */
import { runHello, type HelloOptions } from './run';

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as Pick<HelloOptions, 'steps' | 'embeddingSize' | 'learningRate' | 'tuning'>;
  const result = await runHello({ ...config, outDir: null, log: (line) => console.error(line) });
  const { report } = result;
  console.log(
    JSON.stringify({
      config,
      unseen: report.unseen,
      known: report.known,
      retrieval: report.retrieval,
      trainSeconds: report.training.seconds,
      seconds: result.seconds,
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
