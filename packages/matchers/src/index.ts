/** Turning k neighbours into one label and distance: match nearest, majority vote. */
export const PACKAGE_NAME = '@tfsim/matchers';
