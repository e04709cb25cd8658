/** F1, precision, recall, accuracy, FPR and NPV over distance thresholds. */
export const PACKAGE_NAME = '@tfsim/classification-metrics';
