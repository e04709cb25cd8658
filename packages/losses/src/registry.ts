/**
 * Losses by name, so that a saved model can recreate its loss:
 * `getLoss(className, config)`, `serializeLoss`, `deserializeLoss`.
 * Names are matched case-insensitively; each loss answers to its class name
 * and to its default `name` (`TripletLoss`, `triplet_loss`).
 */
import { fromPythonKeys, type KerasObject, readSerializedObject, Registry, ValueError } from '@tfsim/utils';

import { ArcFaceLoss } from './arcface';
import { Barlow } from './barlow';
import { CircleLoss } from './circle';
import { ContrastiveLoss } from './contrastive';
import { LiftedStructLoss } from './lifted';
import { Loss, type LossConfig, MetricLoss, type SerializedLoss } from './loss';
import { deserializeMiner, MinedLoss, type MinedLossOptions, type Miner, type SerializedMiner } from './miners';
import { MultiNegativesRankLoss } from './multineg';
import { type LabelLoss, MultipleLosses, type MultipleLossesOptions } from './multiple';
import { MultiSimilarityLoss } from './multisim';
import { ProxyAnchorLoss } from './proxy-anchor';
import { SimCLRLoss } from './simclr';
import { SimSiamLoss } from './simsiam';
import { SoftNearestNeighborLoss } from './softnn';
import { SupConLoss } from './supcon';
import { PNLoss, TripletLoss } from './triplet';
import { VicReg } from './vicreg';
import { XBM } from './xbm';

type Factory = (config: Record<string, unknown>) => Loss;

// 'loss function': the registry's messages pluralise the kind ("known loss functions: ...").
const registry = new Registry<Factory>('loss function');

function register(names: string[], factory: Factory): void {
  registry.register(names, () => factory);
}

// The constructors check every option, so configs are passed through as they are.
/* eslint-disable @typescript-eslint/no-explicit-any */
register(['TripletLoss', 'triplet_loss'], (c) => new TripletLoss(c as any));
register(['PNLoss', 'pn_loss'], (c) => new PNLoss(c as any));
register(['MultiSimilarityLoss', 'multisim_loss'], (c) => new MultiSimilarityLoss(c as any));
register(['CircleLoss', 'circle_loss'], (c) => new CircleLoss(c as any));
register(['SoftNearestNeighborLoss', 'soft_nn_loss'], (c) => new SoftNearestNeighborLoss(c as any));
register(['LiftedStructLoss', 'lifted_struct_loss'], (c) => new LiftedStructLoss(c as any));
register(['MultiNegativesRankLoss', 'multineg_rank_loss'], (c) => new MultiNegativesRankLoss(c as any));
register(['XBM', 'xbm_loss'], ({ loss: inner, ...options }) => {
  if (!inner || typeof inner !== 'object') throw new ValueError('XBM config needs "loss": the wrapped loss, serialized');
  const loss = inner instanceof Loss ? inner : deserializeLoss(inner as SerializedLoss);
  if (!(loss instanceof MetricLoss)) throw new ValueError(`XBM cannot wrap ${loss.className}`);
  return new XBM(loss, options as any);
});
register(['SimCLRLoss', 'simclr_loss'], (c) => new SimCLRLoss(c as any));
register(['SimSiamLoss', 'simsiam_loss'], (c) => new SimSiamLoss(c as any));
register(['Barlow'], (c) => new Barlow(c as any));
register(['VicReg', 'vicreg_loss'], (c) => new VicReg(c as any));
register(['ArcFaceLoss', 'arcface_loss'], (c) => new ArcFaceLoss(c as any));
register(['ContrastiveLoss', 'contrastive_loss'], (c) => new ContrastiveLoss(c as any));
register(['SupConLoss', 'supcon_loss'], (c) => new SupConLoss(c as any));
register(['ProxyAnchorLoss', 'proxy_anchor_loss'], (c) => new ProxyAnchorLoss(c as any));
register(['MinedLoss', 'mined_loss'], (c) => {
  const inner = deserializeLoss(c.loss as SerializedLoss);
  if (!(inner instanceof MetricLoss)) throw new ValueError(`MinedLoss cannot wrap ${inner.className}`);
  const { loss: _loss, miner, ...options } = c;
  return new MinedLoss(inner, deserializeMiner(miner as SerializedMiner), options as MinedLossOptions);
});
register(['MultipleLosses', 'multiple_losses'], (c) => {
  const each = <T, U>(values: unknown, f: (v: T) => U): U[] | Record<string, U> | undefined => {
    if (values === undefined || values === null) return undefined;
    if (Array.isArray(values)) return values.map((v) => f(v as T));
    if (typeof values !== 'object') throw new ValueError(`MultipleLosses config: expected an array or an object, got ${String(values)}`);
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, f(v as T)]));
  };
  const losses = each<SerializedLoss, LabelLoss>(c.losses, (s) => deserializeLoss(s) as LabelLoss);
  if (losses === undefined) throw new ValueError('MultipleLosses config needs "losses": the losses, serialized');
  const { losses: _losses, weights, miners, ...options } = c;
  return new MultipleLosses(losses, {
    ...(options as MultipleLossesOptions),
    weights: weights as number[] | Record<string, number> | undefined,
    miners: each<SerializedMiner | null, Miner | null>(miners, (s) => (s ? deserializeMiner(s) : null)) as never,
  });
});
/* eslint-enable @typescript-eslint/no-explicit-any */

/**
 * A new loss by class name or default name (case-insensitive), with the
 * options of its constructor (camelCase) or a config from `getConfig()`.
 * An unknown name throws UnknownNameError listing the known ones.
 */
export function getLoss(name: string, config: Record<string, unknown> = {}): Loss {
  if (typeof config !== 'object' || config === null) throw new ValueError(`loss config must be an object, got ${String(config)}`);
  return registry.get(name)({ ...config });
}

/** Class names of every loss. */
export function lossNames(): string[] {
  return registry.names();
}

/** `{ className, config }`, JSON-safe, from which `deserializeLoss` recreates the loss (weights excluded). */
export function serializeLoss(loss: Loss): SerializedLoss {
  return { className: loss.className, config: JSON.parse(JSON.stringify(loss.getConfig())) as LossConfig };
}

/**
 * The loss of a `serializeLoss` result, of a Keras `{ class_name, config }`
 * written by the Python library (Python option names, read as
 * `fromPythonConfig` does), or of the JSON text of either.
 */
export function deserializeLoss(serialized: SerializedLoss | KerasObject | string): Loss {
  let parsed: unknown = serialized;
  if (typeof serialized === 'string') {
    try {
      parsed = JSON.parse(serialized);
    } catch (err) {
      throw new ValueError(`serialized loss is not valid JSON: ${serialized.slice(0, 80)}`, { cause: err });
    }
  }
  const s = readSerializedObject(parsed);
  if (s === undefined) {
    throw new ValueError(`a serialized loss is {className, config} or Keras' {class_name, config}, got ${JSON.stringify(parsed)}`);
  }
  return (parsed as KerasObject).class_name !== undefined ? fromPythonConfig(s.className, s.config) : getLoss(s.className, s.config);
}

/**
 * A loss from the Python library's class name and `get_config()` dict:
 * option names in snake_case (`positive_mining_strategy`, `lambda_`, `lmda`),
 * `reduction` as Keras spells it ('auto', 'sum_over_batch_size', 'sum',
 * 'none'), the distance as a name, a `{ name }` config or a Keras object, and
 * XBM's wrapped loss as a Keras object. An option we do not have is an error.
 */
export function fromPythonConfig(name: string, config: Record<string, unknown> = {}): Loss {
  const options = fromPythonKeys(config, name);
  if (options.loss !== undefined) {
    const inner = readSerializedObject(options.loss);
    if (inner === undefined) throw new ValueError(`${name}: "loss" must be a serialized loss {class_name, config}`);
    options.loss = fromPythonConfig(inner.className, inner.config);
  }
  return getLoss(name, options);
}
