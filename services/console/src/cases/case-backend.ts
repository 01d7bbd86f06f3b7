import type { CaseClient } from '@zmwatch/workflows';

/** The part of the workflows' case client the console uses (its own file: routes and helpers share it). */
export type CaseBackend = Pick<
  CaseClient,
  | 'listQueue'
  | 'listCases'
  | 'listBreached'
  | 'readCase'
  | 'claim'
  | 'release'
  | 'addNote'
  | 'decide'
  | 'reassign'
>;
