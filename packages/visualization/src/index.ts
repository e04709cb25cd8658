/** Neighbour grids, confusion matrices, calibration curves and an interactive embedding projector. */
export const PACKAGE_NAME = '@tfsim/visualization';
