/** Evaluate retrieval and classification, calibrate distance thresholds. */
export const PACKAGE_NAME = '@tfsim/evaluators';
