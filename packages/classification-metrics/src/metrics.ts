import { ClassificationMetric, divideNoNan } from './classification-metric';

const f32 = Math.fround;

/** Harmonic mean of precision and recall: 2PR / (P + R). */
export class F1Score extends ClassificationMetric {
  constructor(name = 'f1') {
    super(name, 'f1_score');
  }

  protected computeChecked(tp: Float32Array, fp: Float32Array, _tn: Float32Array, fn: Float32Array): Float32Array {
    const out = new Float32Array(tp.length);
    for (let i = 0; i < tp.length; i++) {
      const recall = divideNoNan(tp[i]!, f32(tp[i]! + fn[i]!));
      const precision = divideNoNan(tp[i]!, f32(tp[i]! + fp[i]!));
      out[i] = divideNoNan(f32(f32(2 * recall) * precision), f32(recall + precision));
    }
    return out;
  }
}

/**
 * TP / (TP + FP). Decreasing with the distance threshold. When no query is
 * matched at the first threshold (recall 0), the precision there is 1, the
 * convention of ranked retrieval evaluation.
 */
export class Precision extends ClassificationMetric {
  constructor(name = 'precision') {
    super(name, 'precision', true, false);
  }

  protected computeChecked(tp: Float32Array, fp: Float32Array): Float32Array {
    const out = new Float32Array(tp.length);
    for (let i = 0; i < tp.length; i++) out[i] = divideNoNan(tp[i]!, f32(tp[i]! + fp[i]!));
    if (tp.length > 1 && f32(tp[0]! + fp[0]!) === 0) out[0] = 1;
    return out;
  }
}

/** TP / (TP + FN). */
export class Recall extends ClassificationMetric {
  constructor(name = 'recall') {
    super(name, 'recall');
  }

  protected computeChecked(tp: Float32Array, _fp: Float32Array, _tn: Float32Array, fn: Float32Array): Float32Array {
    const out = new Float32Array(tp.length);
    for (let i = 0; i < tp.length; i++) out[i] = divideNoNan(tp[i]!, f32(tp[i]! + fn[i]!));
    return out;
  }
}

/**
 * TP / count: the precision of the matched queries scaled by the share of
 * queries matched at all (0 when there are no queries).
 */
export class BinaryAccuracy extends ClassificationMetric {
  constructor(name = 'binary_accuracy') {
    super(name, 'binary_accuracy');
  }

  protected computeChecked(tp: Float32Array, _fp: Float32Array, _tn: Float32Array, _fn: Float32Array, count: number): Float32Array {
    const out = new Float32Array(tp.length);
    const c = f32(count);
    for (let i = 0; i < tp.length; i++) out[i] = divideNoNan(tp[i]!, c);
    return out;
  }
}

/** FP / (FP + TN). To be minimised. */
export class FalsePositiveRate extends ClassificationMetric {
  constructor(name = 'fpr') {
    super(name, 'false_positive_rate', false, true);
  }

  protected computeChecked(_tp: Float32Array, fp: Float32Array, tn: Float32Array): Float32Array {
    const out = new Float32Array(fp.length);
    for (let i = 0; i < fp.length; i++) out[i] = divideNoNan(fp[i]!, f32(fp[i]! + tn[i]!));
    return out;
  }
}

/** TN / (TN + FN). */
export class NegativePredictiveValue extends ClassificationMetric {
  constructor(name = 'npv') {
    super(name, 'negative_predictive_value');
  }

  protected computeChecked(_tp: Float32Array, _fp: Float32Array, tn: Float32Array, fn: Float32Array): Float32Array {
    const out = new Float32Array(tn.length);
    for (let i = 0; i < tn.length; i++) out[i] = divideNoNan(tn[i]!, f32(tn[i]! + fn[i]!));
    return out;
  }
}
