import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeXml, niceMax, renderLagChart } from '../src/ops/lag-chart.js';

test('niceMax rounds up to 1, 2 or 5 times a power of ten', () => {
  assert.equal(niceMax(0), 1);
  assert.equal(niceMax(7), 10);
  assert.equal(niceMax(120), 200);
  assert.equal(niceMax(4100), 5000);
});

test('the chart draws one path per series, scaled into the plot, with escaped labels', () => {
  const svg = renderLagChart(
    [
      {
        label: 'orders<&>',
        points: [
          { t: 0, v: 0 },
          { t: 1000, v: 50 },
          { t: 2000, v: 100 },
        ],
      },
      { label: 'other', points: [{ t: 0, v: 10 }] },
    ],
    { title: 'g: offset lag', width: 400, height: 200 },
  );
  assert.match(svg, /^<svg /);
  assert.equal((svg.match(/<path /g) ?? []).length, 2);
  assert.ok(svg.includes('orders&lt;&amp;&gt;'));
  assert.equal((svg.match(/<circle /g) ?? []).length, 2, 'the latest value of each series is marked');
  assert.ok(!svg.includes('<style'), 'no <style> element (CSP forbids inline styles)');
  // 100 is the axis maximum, so the last point sits on the top of the plot (below a two-line legend).
  assert.match(svg, /L388\.0,58\.0/);
  assert.match(svg, />20</, 'ticks every fifth of the axis');
});

test('an empty chart says there are no samples', () => {
  assert.match(renderLagChart([]), /no samples yet/);
  assert.equal(escapeXml(`"'`), '&quot;&apos;');
});
