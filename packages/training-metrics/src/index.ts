/** Distance statistics tracked during training (avg_pos, min_neg, dist_gap, ...). */
export const PACKAGE_NAME = '@tfsim/training-metrics';
