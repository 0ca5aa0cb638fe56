#!/usr/bin/env bash
# Regenerates the audio fixtures in fixtures/audio/ and fixtures/sounds/ from text and synth
# commands only, so every file can be remade and reviewed. See fixtures/audio/README.md.
#
# Made with (Debian 12 packages):
#   espeak-ng 1.51+dfsg-10+deb12u2   (eSpeak NG text-to-speech: 1.51)
#   sox       14.4.2+git20190427-3.5 (SoX v14.4.2)
# Install: apt-get update && apt-get install -y espeak-ng sox
#
# Deterministic: espeak-ng has no randomness; sox runs with -R (fixed seeds, e.g. pink noise)
# and -D (no dither), so the same versions give byte-identical files. Other versions may differ
# slightly in voice timing; the tests allow for that (they measure, they do not compare bytes).
set -euo pipefail

for tool in espeak-ng sox; do
  command -v "$tool" >/dev/null || { echo "make-fixtures: $tool is missing (apt-get install -y espeak-ng sox)" >&2; exit 1; }
done

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
AUDIO="$ROOT/fixtures/audio"
SOUNDS="$ROOT/fixtures/sounds"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$AUDIO" "$SOUNDS/en"

SOX=(sox -R -D -V1)
# Target RMS level of speech (dBFS, sox's "RMS lev dB", full-scale square = 0): telephone level.
SPEECH_DBFS=-20
# Silence kept before and after each utterance, seconds (speech boundaries are then known).
PAD=0.3

# RMS level in dB of a file, as sox stats reports it.
rms_db() { sox "$1" -n stats 2>&1 | awk '/^RMS lev dB/ {print $4}'; }

# speak NAME VOICE SPEED TEXT: writes $AUDIO/NAME-16k.wav and NAME-8k.wav, each with its
# transcript beside it (NAME-16k.txt, NAME-8k.txt).
# Speech is trimmed of espeak's own leading/trailing silence, levelled to SPEECH_DBFS, then
# padded with exactly PAD seconds of digital silence on each side.
speak() {
  local name="$1" voice="$2" speed="$3" text="$4"
  espeak-ng -v "$voice" -s "$speed" -w "$TMP/$name.raw.wav" "$text"
  "${SOX[@]}" "$TMP/$name.raw.wav" -r 16000 -b 16 -c 1 "$TMP/$name.trim.wav" \
    silence 1 0.01 -45d reverse silence 1 0.01 -45d reverse
  local gain
  gain=$(awk -v t="$SPEECH_DBFS" -v r="$(rms_db "$TMP/$name.trim.wav")" 'BEGIN {printf "%.2f", t - r}')
  "${SOX[@]}" "$TMP/$name.trim.wav" "$TMP/$name.level.wav" gain "$gain"
  "${SOX[@]}" "$TMP/$name.level.wav" "$AUDIO/$name-16k.wav" pad "$PAD" "$PAD"
  "${SOX[@]}" "$TMP/$name.level.wav" -r 8000 "$AUDIO/$name-8k.wav" pad "$PAD" "$PAD"
  printf '%s\n' "$text" >"$AUDIO/$name-16k.txt"
  printf '%s\n' "$text" >"$AUDIO/$name-8k.txt"
}

# Caller utterances (1–2.5 s), one espeak voice each.
speak caller-hello en-us 165 "Hello, I would like to check my order."
speak caller-question en-gb+f3 160 "What time do you open tomorrow?"
speak caller-interrupt en-gb-scotland 170 "Sorry, wait, I have a question."

# Agent prompts for the scripted provider.
speak agent-greeting en-us+f2 165 "Hello, thanks for calling. How can I help you today?"
speak agent-reply-1 en-us+f2 165 "Sure, I can help with that. What is your order number?"
speak agent-reply-2 en-us+f2 165 "Thank you. Your order has shipped and arrives on Friday."
speak agent-long-answer en-us+f2 180 "Our store is open from nine in the morning until six in the evening on weekdays, \
and from ten until four on Saturdays. On Sundays and holidays we are closed."

# Signals at 8 kHz.
"${SOX[@]}" -n -r 8000 -b 16 -c 1 "$AUDIO/silence-3s-8k.wav" trim 0 3
"${SOX[@]}" -n -r 8000 -b 16 -c 1 "$TMP/pink.wav" synth 3 pinknoise
gain=$(awk -v r="$(rms_db "$TMP/pink.wav")" 'BEGIN {printf "%.2f", -45 - r}')
"${SOX[@]}" "$TMP/pink.wav" "$AUDIO/noise-pink-8k.wav" gain "$gain"
# 1 kHz at half full scale (peak -6 dBFS, RMS -9 dBFS), 2 s.
"${SOX[@]}" -n -r 8000 -b 16 -c 1 "$AUDIO/tone-1khz-8k.wav" synth 2 sine 1000 vol 0.5
# DTMF 1, 2, 3: 100 ms of tone, 100 ms gap each, after 200 ms of silence (Q.23 frequencies).
dtmf_digit() { "${SOX[@]}" -n -r 8000 -b 16 -c 1 "$TMP/dtmf-$1.wav" synth 0.1 sine "$2" sine mix "$3" vol 0.5 pad 0 0.1; }
dtmf_digit 1 697 1209
dtmf_digit 2 697 1336
dtmf_digit 3 697 1477
"${SOX[@]}" "$TMP/dtmf-1.wav" "$TMP/dtmf-2.wav" "$TMP/dtmf-3.wav" "$AUDIO/dtmf-123-8k.wav" pad 0.2 0

# Sound directories for the simulator (Asterisk layout: sounds/<lang>/<name>.<format>).
"${SOX[@]}" -n -r 8000 -b 16 -c 1 "$SOUNDS/en/ai-test-tone.wav" synth 2 sine 440 vol 0.5
"${SOX[@]}" -n -r 8000 -b 16 -c 1 "$SOUNDS/en/ai-silence.wav" trim 0 1
# One name in three formats (as Asterisk sound packs ship): 1 kHz, 0.5 s.
"${SOX[@]}" -n -r 8000 -b 16 -c 1 -t raw -e signed-integer "$SOUNDS/en/ai-beep.sln" synth 0.5 sine 1000 vol 0.5
"${SOX[@]}" -n -r 16000 -b 16 -c 1 -t raw -e signed-integer "$SOUNDS/en/ai-beep.sln16" synth 0.5 sine 1000 vol 0.5
"${SOX[@]}" -n -r 8000 -c 1 -t raw -e mu-law "$SOUNDS/en/ai-beep.ulaw" synth 0.5 sine 1000 vol 0.5
# One name per format, each at its own frequency, so a test can tell which file was played.
"${SOX[@]}" -n -r 8000 -c 1 -t raw -e mu-law "$SOUNDS/en/ai-tone-ulaw.ulaw" synth 0.5 sine 600 vol 0.5
"${SOX[@]}" -n -r 8000 -b 16 -c 1 -t raw -e signed-integer "$SOUNDS/en/ai-tone-sln.sln" synth 0.5 sine 800 vol 0.5
"${SOX[@]}" -n -r 16000 -b 16 -c 1 -t raw -e signed-integer "$SOUNDS/en/ai-tone-sln16.sln16" synth 0.5 sine 1200 vol 0.5
# Asterisk's classic test prompt, and one sound only in the language-less root (fallback).
espeak-ng -v en-us -s 160 -w "$TMP/hello-world.wav" "Hello world."
"${SOX[@]}" "$TMP/hello-world.wav" -r 8000 -b 16 -c 1 "$SOUNDS/en/hello-world.wav" \
  silence 1 0.01 -45d reverse silence 1 0.01 -45d reverse gain -n -6
"${SOX[@]}" -n -r 8000 -b 16 -c 1 "$SOUNDS/ai-fallback.wav" synth 0.5 sine 700 vol 0.5

echo "make-fixtures: done"
du -ch "$AUDIO" "$SOUNDS" | tail -1
