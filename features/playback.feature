@playback
Feature: The agent is heard through sound: URIs without an extension
  Asterisk fails `sound:x.wav` (PlaybackFinished state=failed, trace s7): the engine writes each
  piece of the agent's answer into the media folder and plays it as sound:ai-generated/<name>,
  then deletes it. A playback that fails anyway is logged and the next piece plays.

  Scenario: Replies play from sound: URIs without an extension and are heard
    When a call comes in with formats "slin16"
    And the caller hears the greeting out
    And the caller says "caller-hello"
    And the agent answers within 2000 ms
    And the caller hears the answer out
    And the caller hangs up
    Then the engine's ARI requests include:
      | method | path                | query.media                          | count |
      | POST   | /channels/{id}/play | /^sound:ai-generated\/[^.\/]+$/      | >=4   |
      | POST   | /channels/{id}/play | /\.[A-Za-z0-9]+$/                    | 0     |
    And the PBX reported:
      | type             | playback.media_uri        | playback.state | count |
      | PlaybackStarted  | /^sound:ai-generated\//   |                | >=4   |
      | PlaybackFinished | /^sound:ai-generated\//   | done           | >=4   |
      | PlaybackFinished |                           | failed         | 0     |
    And the caller heard >=2 stretches of agent audio
    And the caller heard an answer after each thing they said, within 2000 ms
    And nothing of the call is left within 3000 ms

  Scenario: A playback that fails is logged and the call goes on
    Given the media file of the engine's 2nd playback vanishes before Asterisk is asked to play it
    When a call comes in with formats "slin16"
    Then the PBX reports within 10000 ms:
      | type             | playback.state | count |
      | PlaybackFinished | failed         | 1     |
    And the engine logged:
      | level | msg                                    | uri                      |
      | error | playback failed; continuing without it | /^sound:ai-generated\//  |
    When the caller hears the greeting out
    And the caller says "caller-hello"
    Then the agent answers within 2000 ms
    When the caller hangs up 1500 ms into the answer
    Then the caller heard an answer after each thing they said, within 2000 ms
    And the PBX reported:
      | type             | playback.state | count |
      | PlaybackFinished | done           | >=2   |
    And nothing of the call is left within 3000 ms
