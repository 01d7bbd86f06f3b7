// The story of a label: the basic ones of stories.ts or the adaptive ones of adaptive-stories.ts (both
// build on stories.ts's Story, so the choice between them lives here rather than in either).
import { ADAPTIVE_STORIES, type AdaptiveLabel } from './adaptive-stories.js';
import type { Label } from './labels.js';
import { planBasicStory, type StoryContext, type StoryResult } from './stories.js';

// A label added to LABELS without a story in either file fails to compile in planStory.
const isAdaptive = (label: Label): label is AdaptiveLabel => Object.hasOwn(ADAPTIVE_STORIES, label);

export function planStory(label: Label, ctx: StoryContext): StoryResult {
  return isAdaptive(label) ? ADAPTIVE_STORIES[label](ctx) : planBasicStory(label, ctx);
}
