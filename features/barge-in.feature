@barge-in
Feature: Barge-in
  The caller may talk over the agent. At the caller's ear the agent must stop within 300 ms of
  the caller starting to speak, and the new utterance gets its own answer. The agent's own voice
  coming back from the phone must not interrupt it.

  The engine runs with the default barge_in settings (min_speech_ms 200, protection_window_ms 500,
  protect_greeting true). The scripted provider answers "What time do
  you open tomorrow?" with its long answer (9 s), config/scripts/demo.yaml.

  Scenario: The caller talks over a long answer
    When a call comes in with formats "slin16"
    And the caller hears the greeting out
    And the caller says "caller-question"
    And the agent answers within 2000 ms
    And the caller waits 2000 ms
    And the caller says "caller-interrupt"
    Then the engine logged:
      | level | msg                     | count |
      | info  | barge-in: agent stopped | 1     |
    And the agent answers within 2000 ms
    When the caller hangs up 1500 ms into the answer
    Then at the caller, the agent stopped within 300 ms of being talked over, 1 time
    And the caller heard an answer after each thing they said, within 2000 ms
    And nothing of the call is left within 3000 ms

  @sim-only
  Scenario: The agent's own voice echoed back by the phone does not interrupt it
    When a call comes in with formats "slin16"
    And the phone echoes what it hears, 12 dB quieter after 40 ms
    And the caller hears the greeting out
    And the caller says "caller-question"
    And the agent answers within 2000 ms
    And the caller hears the answer out
    And the caller hangs up
    Then the engine logged:
      | msg                     | count |
      | barge-in: agent stopped | 0     |
    And the caller heard agent audio for at least 8000 ms in one stretch
