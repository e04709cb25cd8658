/** probe */
export const PACKAGE_NAME = '@tfsim/scaffold-probe';
