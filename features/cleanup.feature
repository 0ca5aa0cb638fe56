@cleanup
Feature: Nothing is left behind
  Whenever and however a call ends, the engine removes everything it made for it: no channel,
  bridge or snoop of the engine stays in ARI, no file stays in the media folder, no AudioSocket
  connection stays open. The awkward moments are forced by holding one of the engine's ARI
  requests in the suite's tap while the caller hangs up.

  Scenario: The caller hangs up before the AudioSocket leg is asked for
    Given the engine's "POST /bridges" requests are held for 1000 ms
    When a call comes in with formats "slin16"
    And the caller hangs up as soon as the engine sends "POST /bridges"
    Then nothing of the call is left within 4000 ms
    And the PBX reported:
      | type            | bridge.id | count |
      | BridgeCreated   | /^aiav-/  | 1     |
      | BridgeDestroyed | /^aiav-/  | 1     |

  Scenario: The caller hangs up while the AudioSocket leg is being made
    Given the engine's "POST /channels/externalMedia" requests are held for 1000 ms
    When a call comes in with formats "slin16"
    And the caller hangs up as soon as the engine sends "POST /channels/externalMedia"
    Then nothing of the call is left within 4000 ms
    And the PBX reported:
      | type             | channel.name     | count |
      | ChannelCreated   | /^AudioSocket\// | 1     |
      | ChannelDestroyed | /^AudioSocket\// | 1     |
    And the engine logged:
      | msg        | reason     | count |
      | call ended | /^caller / | 1     |

  Scenario: The caller hangs up in the middle of the agent's answer
    When a call comes in with formats "slin16"
    And the caller hears the greeting out
    And the caller says "caller-question"
    And the caller hangs up 1500 ms into the answer
    Then nothing of the call is left within 3000 ms
    And the PBX reported:
      | type             | playback.media_uri      | count |
      | PlaybackStarted  | /^sound:ai-generated\// | >=3   |

  Scenario: The caller hangs up while the engine falls back to a snoop
    Given the engine's externalMedia legs are pointed at a closed port
    And the engine's "POST /channels/{id}/continue" requests are held for 1000 ms
    When a call comes in with formats "slin16"
    And the caller hangs up as soon as the engine sends "POST /channels/{id}/continue"
    Then nothing of the call is left within 4000 ms
    And the engine logged:
      | level | msg                                                      | count |
      | warn  | audio_transport fallback: switching call to legacy snoop | 1     |

  Scenario: The engine is killed in the middle of a call and started again
    Given the engine runs as a separate process
    When a call comes in with formats "slin16"
    And the agent is speaking within 3000 ms
    And the caller waits 1000 ms
    And the engine process is killed
    Then the PBX still has channels or a bridge of the engine
    When the engine is started again
    Then the engine logged:
      | msg                 | channels | count |
      | start-up sweep done | /^[1-9]/ | 1     |
    And nothing of the call is left within 5000 ms
