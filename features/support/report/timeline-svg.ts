/**
 * A call's timeline as an SVG picture, written by hand (no chart library): the caller's speech
 * and the agent audio the caller heard as bars, the engine's and the caller's notable moments as
 * labelled ticks, seconds along the bottom. Opens in any browser and inline in the Cucumber
 * HTML report. Pure.
 */
import type { CallReport, ReportEvent } from './call-report.js';

const WIDTH = 1100;
const LEFT = 130;
const RIGHT = 20;
const BAR_H = 18;

/** The moments worth a tick, and how they are drawn. */
const NOTABLE: Record<string, { label: (e: ReportEvent) => string; color: string }> = {
  originate: { label: () => 'call placed', color: '#555' },
  answered: { label: () => 'answered', color: '#555' },
  caller_says: { label: (e) => `says ${String(e.data?.media ?? '').replace(/^sound:(e2e\/)?/, '')}`, color: '#2b7bb9' },
  caller_hangup: { label: (e) => (e.source === 'caller' ? 'caller hangs up' : 'sees the hangup'), color: '#000' },
  far_end_hangup: { label: () => 'hung up by far end', color: '#000' },
  bound: { label: (e) => `bound ${e.data?.transport ?? ''} ${e.data?.rate ?? ''} Hz`, color: '#2e9d4f' },
  fallback: { label: (e) => `fallback (${e.data?.cause ?? ''})`, color: '#d62728' },
  legacy: { label: () => 'legacy snoop', color: '#d62728' },
  barge_in: { label: (e) => `barge-in ${e.data?.latencyMs ?? ''} ms`, color: '#8e44ad' },
  playback_failed: { label: () => 'playback failed', color: '#d62728' },
  user_speech_end: { label: () => 'turn ends', color: '#2b7bb9' },
  agent_audio_start: { label: () => 'agent starts', color: '#e8833a' },
  teardown: { label: (e) => `teardown: ${String(e.data?.reason ?? '')}`.slice(0, 40), color: '#555' },
};

export function timelineSvg(r: CallReport): string {
  const spanMs = Math.max(1000, Math.ceil(r.durationMs / 1000) * 1000);
  const x = (ms: number) => LEFT + (Math.max(0, ms) / spanMs) * (WIDTH - LEFT - RIGHT);
  // The same moment reported twice (a hangup seen as ChannelHangupRequest and StasisEnd) is drawn once.
  const ticks = r.events.filter(
    (e, i) => NOTABLE[e.what] && !r.events.slice(0, i).some((p) => p.what === e.what && p.source === e.source && e.atMs - p.atMs < 100),
  );
  const callerTicks = ticks.filter((e) => e.source === 'caller');
  const engineTicks = ticks.filter((e) => e.source === 'engine');

  const out: string[] = [];
  const lanes = { title: 24, caller: 60, said: 150, heard: 180, engine: 215 };
  const labelRows = 5;
  const height = lanes.engine + 30 + labelRows * 14 + 40;
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="100%" height="100%" fill="#fff"/>`);
  out.push(
    `<text x="10" y="${lanes.title}" font-size="14" font-weight="bold">${esc(`${r.scenario} — call ${r.callId}`)}</text>`,
    `<text x="10" y="${lanes.title + 16}" fill="#555">${esc(
      `target ${r.target}${r.rateHz ? `, ${r.rateHz} Hz` : ''}${r.engineCallId ? `, engine call ${r.engineCallId}` : ''}; bars from the caller's recording${r.unrecordedMs ? ` (which lacks ${(r.unrecordedMs / 1000).toFixed(1)} s of silence both ways)` : ''}, ticks from the caller and the engine; 0 = call placed`,
    )}</text>`,
  );

  // Grid and axis.
  const axisY = lanes.engine + 30 + labelRows * 14 + 10;
  for (let s = 0; s * 1000 <= spanMs; s++) {
    const gx = x(s * 1000).toFixed(1);
    out.push(`<line x1="${gx}" y1="${lanes.caller - 12}" x2="${gx}" y2="${axisY}" stroke="#eee"/>`);
    if (spanMs <= 30_000 || s % 5 === 0) out.push(`<text x="${gx}" y="${axisY + 14}" text-anchor="middle" fill="#555">${s}s</text>`);
  }

  // Lanes.
  lane(out, 'caller', lanes.caller);
  tickRow(out, callerTicks, lanes.caller, x, 3);
  lane(out, 'caller speaks', lanes.said);
  for (const s of r.said) bar(out, x(s.startMs), x(s.endMs), lanes.said, '#2b7bb9', `caller speech ${fmt(s.startMs)}–${fmt(s.endMs)} s`);
  lane(out, 'caller hears', lanes.heard);
  for (const s of r.heard) bar(out, x(s.startMs), x(s.endMs), lanes.heard, '#e8833a', `agent audio ${fmt(s.startMs)}–${fmt(s.endMs)} s`);
  lane(out, 'engine', lanes.engine);
  tickRow(out, engineTicks, lanes.engine, x, labelRows);

  // What the recording says about responses and barge-ins.
  for (const b of r.bargeIns) {
    const x1 = x(b.saidStartMs);
    const x2 = x(b.agentStopMs);
    out.push(`<line x1="${x1.toFixed(1)}" y1="${lanes.heard + BAR_H + 3}" x2="${x2.toFixed(1)}" y2="${lanes.heard + BAR_H + 3}" stroke="#8e44ad" stroke-width="3"><title>${esc(`agent stopped ${b.stopLatencyMs} ms after the caller began talking over it`)}</title></line>`);
  }
  if (r.recordingOffsetMs === null) out.push(`<text x="${LEFT}" y="${lanes.heard + 13}" fill="#999">no recording</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function lane(out: string[], name: string, y: number): void {
  out.push(`<text x="10" y="${y + 13}" fill="#333">${esc(name)}</text>`);
}

function bar(out: string[], x1: number, x2: number, y: number, color: string, title: string): void {
  out.push(`<rect x="${x1.toFixed(1)}" y="${y}" width="${Math.max(1, x2 - x1).toFixed(1)}" height="${BAR_H}" fill="${color}" opacity="0.85"><title>${esc(title)}</title></rect>`);
}

/** Ticks on a lane, labels stacked on `rows` rows so neighbours do not overwrite each other. */
function tickRow(out: string[], events: ReportEvent[], y: number, x: (ms: number) => number, rows: number): void {
  const lastEndByRow: number[] = new Array(rows).fill(-Infinity);
  for (const e of events) {
    const style = NOTABLE[e.what];
    const tx = x(e.atMs);
    const label = style.label(e).trim();
    const w = label.length * 6 + 8;
    // Labels read to the right of their tick, or to the left where the picture ends.
    const leftwards = tx + w > WIDTH - RIGHT;
    const from = leftwards ? tx - w : tx;
    let row = lastEndByRow.findIndex((end) => end < from);
    if (row < 0) row = rows - 1;
    lastEndByRow[row] = from + w;
    const ly = y + BAR_H + 12 + row * 14;
    out.push(`<line x1="${tx.toFixed(1)}" y1="${y}" x2="${tx.toFixed(1)}" y2="${ly - 9}" stroke="${style.color}" stroke-width="1.5"/>`);
    out.push(`<text x="${(leftwards ? tx - 2 : tx + 2).toFixed(1)}" y="${ly}" fill="${style.color}"${leftwards ? ' text-anchor="end"' : ''}><title>${esc(`${fmt(e.atMs)} s ${e.what} ${e.data ? JSON.stringify(e.data) : ''}`)}</title>${esc(label)}</text>`);
  }
}

function fmt(ms: number): string {
  return (ms / 1000).toFixed(2);
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
