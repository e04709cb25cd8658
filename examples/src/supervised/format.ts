/** The short printed report of the supervised examples. */
import type { BackendReport } from '@tfsim/utils';

import type { SupervisedReport } from './flow';

const f3 = (v: number) => v.toFixed(3);

/** The printed report of a supervised run. */
export function formatReport(title: string, backend: BackendReport, plan: string, r: SupervisedReport, seconds: number): string {
  const why = backend.forced
    ? 'forced'
    : backend.skipped.length === 0
      ? 'the fastest one'
      : `the fastest that loads; skipped ${backend.skipped.map((s) => `${s.name} (${s.reason})`).join(', ')}`;
  const retrieval = (n: SupervisedReport['retrieval']['unseen']) =>
    `recall@1 ${f3(n['recall@1'])}, recall@5 ${f3(n['recall@5'])}, recall@10 ${f3(n['recall@10'])}, MAP@R ${f3(n['map@r'])}`;
  // Class ids, with their names where the names are not the ids themselves.
  const named = (ids: number[]) =>
    ids.map((c) => (r.classNames[c] === undefined || r.classNames[c] === String(c) ? String(c) : `${c} ${r.classNames[c]}`)).join(', ');
  const copies = r.classTransforms.length > 0 ? `, and their ${r.classTransforms.join(', ')} copies as classes of their own` : '';
  const lines = [
    '',
    `== @tfsim ${title}: report ==`,
    `backend: ${backend.name} (${backend.tfBackend}): ${why}`,
    `model: ${plan}; ${r.model.parameters.toLocaleString('en-US')} parameters, embedding ${r.model.embeddingSize}, ${r.model.loss}${r.model.averaging ? `, ${r.model.averaging}` : ''}`,
    `data: ${r.dataset}; trained on ${named(r.knownClasses)} (${r.sizes.train} images${copies}), unseen ${named(r.unseenClasses)}; ` +
      `index ${r.sizes.index} (${r.sizes.index / (r.knownClasses.length + r.unseenClasses.length)} per class), calibration ${r.sizes.calibration}, test ${r.sizes.testKnown} known + ${r.sizes.testUnseen} unseen`,
    `training: ${r.training.steps} steps in ${r.training.seconds.toFixed(1)} s, loss ${r.training.firstLoss.toFixed(3)} -> ${r.training.lastLoss.toFixed(3)}`,
    `calibration (all classes): optimal F1 ${f3(r.calibration.f1)} at distance ${r.calibration.distance.toFixed(4)} (precision ${f3(r.calibration.precision)}, recall ${f3(r.calibration.recall)})`,
    `unseen classes at the calibrated distance: F1 ${f3(r.unseen.f1)}, precision ${f3(r.unseen.precision)}, recall ${f3(r.unseen.recall)}`,
    `known classes at the calibrated distance:  F1 ${f3(r.known.f1)}, precision ${f3(r.known.precision)}, recall ${f3(r.known.recall)}`,
    `retrieval, unseen: ${retrieval(r.retrieval.unseen)}`,
    `retrieval, known:  ${retrieval(r.retrieval.known)}`,
    `matches right (label, or unknown beyond the distance): unseen ${f3(r.matchAccuracy.unseen)}, known ${f3(r.matchAccuracy.known)}`,
    `save and reload: ${r.reload.unchanged ? 'lookups unchanged' : 'LOOKUPS CHANGED'} (${r.reload.queries} queries x 5 neighbours)${r.savedModel ? `; model in ${r.savedModel}` : ''}`,
    r.pictures
      ? `pictures: ${r.pictures.dir}/ (neighbors/class-*.png, confusion-matrix.png, calibration-curve.png, projector.html)`
      : 'pictures: none (no output folder)',
    `run time: ${seconds.toFixed(1)} s`,
  ];
  return lines.join('\n');
}
