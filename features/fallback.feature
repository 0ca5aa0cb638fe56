@fallback
Feature: Snoop fallback when the AudioSocket leg does not come up
  When the externalMedia leg cannot reach the engine, the engine must not leave the caller in
  silence: within the bind timeout (plus a second) it snoops the caller, sends the snoop into the
  dialplan's [ai-audiosocket] and talks over that connection instead. The leg is broken on its
  way to Asterisk (the engine's request is rewritten by the suite's ARI tap), so the same
  scenarios run against the simulator and a real Asterisk.

  Scenario Outline: The AudioSocket leg reaches <where>: the call falls back to a snoop and still works
    Given the engine is configured with:
      """
      audiosocket:
        bind_timeout_ms: 1500
      """
    And the engine's externalMedia legs are pointed at <where>
    When a call comes in with formats "slin16"
    Then the caller's audio is bound over "legacy" at 8000 Hz within 2500 ms
    And the engine logged:
      | level | msg                                                      | cause   |
      | warn  | audio_transport fallback: switching call to legacy snoop | <cause> |
    And the PBX reported:
      | type           | channel.name | count |
      | ChannelCreated | /^Snoop\//   | >=1   |
    When the caller hears the greeting out
    And the caller says "caller-hello"
    Then the agent answers within 2000 ms
    When the caller hangs up 1500 ms into the answer
    Then the caller heard an answer after each thing they said, within 2000 ms
    And nothing of the call is left within 3000 ms

    Examples:
      | where                                 | cause        |
      | a closed port                         | leg_failed   |
      | a server that is not the engine       | bind_timeout |

  Scenario Outline: audio_transport legacy snoops from the start (<mode> replies)
    Given the engine is configured with:
      """
      audio_transport: legacy
      downstream_mode: <mode>
      """
    When a call comes in with formats "slin16"
    Then the caller's audio is bound over "legacy" at 8000 Hz within 1000 ms
    And the engine's ARI requests include:
      | method | path                      | query.spy | query.whisper | count |
      | POST   | /channels/externalMedia   |           |               | 0     |
      | POST   | /channels/{id}/snoop      | in        | <whisper>     | 1     |
      | POST   | /channels/{id}/continue   |           |               | 1     |
    And the engine logged:
      | level | msg                                                      | count |
      | warn  | audio_transport fallback: switching call to legacy snoop | 0     |
    When the caller hears the greeting out
    And the caller says "caller-hello"
    Then the agent answers within 2000 ms
    When the caller hangs up 1500 ms into the answer
    Then the caller heard an answer after each thing they said, within 2000 ms
    And nothing of the call is left within 3000 ms

    # Streamed replies are whispered through the snoop, which Asterisk mixes only into frames
    # written to the caller (trace s12): the engine keeps silence playing to it.
    Examples:
      | mode   | whisper |
      | file   | none    |
      | stream | out     |
