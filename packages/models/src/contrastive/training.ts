/**
 * ContrastiveModel's training loop and evaluation, apart from the model's
 * definition and its save/load: epochs of view batches, each step eagerly or,
 * on the native TensorFlow backend, as one TensorFlow call (graph mode).
 */
import * as tf from '@tensorflow/tfjs-core';
import { activationStdLayers } from '@tfsim/layers';
import { createProgress, ValueError } from '@tfsim/utils';

import {
  dropoutSeed,
  graphModeBlocker,
  GraphTrainer,
  reportFallback,
  reportNote,
  statelessDropout,
  stdLayerCounters,
  type TrainStep,
} from '../graph';
import { scheduledRate, setLearningRate } from '../schedules/optimizer';
import type { ContrastiveFitOptions, ContrastiveHistory, ContrastiveLosses, ContrastiveModel } from './model';
import { type ContrastiveData, type ViewSource, viewSource } from './views';

/** Reads the step's loss tensors ([total, contrastive?, regularization?]) and disposes them. */
export async function readStepLosses(
  results: tf.Tensor[],
): Promise<{ loss: number; contrastiveLoss: number; regularizationLoss: number | null }> {
  try {
    const [loss, contrastive, regularization] = await Promise.all(results.map((t) => t.data()));
    return {
      loss: loss![0]!,
      contrastiveLoss: contrastive ? contrastive[0]! : loss![0]!,
      regularizationLoss: regularization ? regularization[0]! : null,
    };
  } finally {
    tf.dispose(results);
  }
}

async function readLosses(losses: ContrastiveLosses): Promise<Record<string, number>> {
  try {
    const loss = (await losses.loss.data())[0]!;
    if (!losses.regularizationLoss) return { loss };
    return {
      loss,
      contrastive_loss: (await losses.contrastiveLoss.data())[0]!,
      regularization_loss: (await losses.regularizationLoss.data())[0]!,
    };
  } finally {
    tf.dispose([losses.loss, losses.contrastiveLoss, ...(losses.regularizationLoss ? [losses.regularizationLoss] : [])]);
  }
}

/** Mean losses over the batches of `source` in inference mode. */
export async function evaluateViews(model: ContrastiveModel, source: ViewSource): Promise<Record<string, number>> {
  const totals: Record<string, number> = {};
  for (let step = 0; step < source.steps; step++) {
    const batch = await source.next(step);
    try {
      const losses = model.computeLosses(batch.view1, batch.view2, { training: false });
      const values = await readLosses(losses);
      for (const [k, v] of Object.entries(values)) totals[k] = (totals[k] ?? 0) + v;
    } finally {
      batch.dispose();
    }
  }
  source.endEpoch();
  for (const k of Object.keys(totals)) totals[k] = totals[k]! / source.steps;
  return totals;
}

/** ContrastiveModel.fit: see there. */
export async function fitContrastive(
  model: ContrastiveModel,
  data: ContrastiveData,
  options: ContrastiveFitOptions,
): Promise<ContrastiveHistory> {
  const optimizer = model.optimizer!;
  const epochs = options.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 1) throw new ValueError(`epochs must be an integer >= 1, got ${epochs}`);
  const train = viewSource(data, { ...options, steps: options.stepsPerEpoch }, true);
  const validation =
    options.validationData === undefined
      ? null
      : viewSource(options.validationData, { ...options, steps: options.validationSteps ?? options.stepsPerEpoch, shuffle: false }, false);
  const stdLayers = [
    model.projector,
    ...(model.predictor && model.algorithm === 'simsiam' ? [model.predictor] : []),
    model.backbone,
  ].flatMap((m) => activationStdLayers(m));
  const dropout = statelessDropout(
    [model.backbone, model.projector, ...(model.predictor ? [model.predictor] : [])],
    dropoutSeed(options.seed),
  );
  const unwrapped: TrainStep = ([v1, v2]) => model.stepTensors(v1!, v2!);
  const stepTensors = dropout ? dropout.wrap(unwrapped) : unwrapped;
  const graph =
    graphModeBlocker(options.graph) === null
      ? new GraphTrainer(stepTensors, optimizer, reportFallback, {
          counters: stdLayerCounters(stdLayers),
          ...(options.verbose ? { onNote: reportNote } : {}),
        })
      : null;
  model.graphReport = null;
  const history: ContrastiveHistory = { epoch: [], history: {} };
  const record = (key: string, value: number) => (history.history[key] ??= []).push(value);
  const callbacks = options.callbacks ?? [];
  for (const cb of callbacks) cb.setModel?.(model);
  model.stopTraining = false;
  let completed = false;
  try {
    for (const cb of callbacks) await cb.onTrainBegin?.({});
    for (let epoch = 0; epoch < epochs && !model.stopTraining; epoch++) {
      for (const cb of callbacks) await cb.onEpochBegin?.(epoch, {});
      stdLayers.forEach((l) => l.resetState());
      const progress = createProgress({ label: `epoch ${epoch + 1}/${epochs}`, total: train.steps, enabled: options.verbose });
      const sums: Record<string, number> = {};
      let rate: number | undefined;
      for (let step = 0; step < train.steps; step++) {
        if (options.learningRateSchedule) {
          rate = scheduledRate(options.learningRateSchedule, optimizer.iterations);
          setLearningRate(optimizer, rate);
        }
        const batch = await train.next(step);
        let result;
        try {
          if (graph || dropout) model.checkViews(batch.view1, batch.view2);
          const views = [batch.view1, batch.view2];
          result = graph
            ? await readStepLosses(graph.run(views))
            : dropout
              ? await readStepLosses(stepTensors(views))
              : await model.trainStep(batch.view1, batch.view2);
        } finally {
          batch.dispose();
        }
        sums.loss = (sums.loss ?? 0) + result.loss;
        if (result.regularizationLoss !== null) {
          sums.contrastive_loss = (sums.contrastive_loss ?? 0) + result.contrastiveLoss;
          sums.regularization_loss = (sums.regularization_loss ?? 0) + result.regularizationLoss;
        }
        progress.tick(1, `loss ${(sums.loss / (step + 1)).toFixed(4)}`);
      }
      train.endEpoch();
      graph?.sync(); // validation and callbacks read the model: graph steps left its newest weights in the session
      const logs: Record<string, number> = {};
      for (const [k, v] of Object.entries(sums)) logs[k] = v / train.steps;
      for (const layer of stdLayers) logs[layer.name] = layer.result();
      if (rate !== undefined) logs.lr = rate;
      if (validation) {
        for (const [k, v] of Object.entries(await evaluateViews(model, validation))) logs[`val_${k}`] = v;
      }
      for (const cb of callbacks) await cb.onEpochEnd?.(epoch, logs);
      progress.done(
        Object.entries(logs)
          .map(([k, v]) => `${k} ${Number(v).toFixed(4)}`)
          .join(' - '),
      );
      history.epoch.push(epoch);
      for (const [k, v] of Object.entries(logs)) record(k, Number(v));
      await options.onEpochEnd?.(epoch, logs);
    }
    for (const cb of callbacks) await cb.onTrainEnd?.({});
    completed = true;
  } finally {
    if (graph) {
      model.graphReport = graph.report();
      graph.dispose({ afterError: !completed });
    }
    dropout?.dispose();
  }
  return history;
}
