/** Recall@k, precision@k, R-precision, MAP@k/MAP@R, BNDCG, MRR over neighbour lists. */
export const PACKAGE_NAME = '@tfsim/retrieval-metrics';
