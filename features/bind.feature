@bind
Feature: The caller's audio reaches the provider over AudioSocket
  The engine answers a call that entered Stasis, bridges it with an externalMedia AudioSocket leg
  and talks to the caller through the scripted provider. Everything is checked from outside the
  engine where it can be: the caller's recording, the PBX's events, the engine's ARI requests and
  its log.

  Scenario Outline: A <rate> Hz call is heard both ways
    Given the engine is configured with:
      """
      audiosocket:
        format: <format>
      """
    When a call comes in with formats "<format>"
    Then the caller's audio is bound over "audiosocket" at <rate> Hz within 1000 ms
    And the engine's ARI requests include:
      | method | path                    | query.encapsulation | query.transport | query.format | count |
      | POST   | /channels/externalMedia | audiosocket         | tcp             | <format>     | 1     |
    When the caller hears the greeting out
    And the caller says "caller-hello"
    Then the engine hears 1 caller turn within 2000 ms
    And the agent answers within 2000 ms
    When the caller hangs up 1500 ms into the answer
    Then the caller heard >=2 stretches of agent audio
    And the caller heard an answer after each thing they said, within 2000 ms
    And nothing of the call is left within 3000 ms

    Examples:
      | rate  | format |
      | 8000  | slin   |
      | 16000 | slin16 |

  Scenario: Strangers on the AudioSocket port are refused while a call goes on
    When a call comes in with formats "slin16"
    And the caller hears the greeting out
    And the caller starts saying "caller-hello"
    And a stranger connects to the engine's AudioSocket port and sends a UUID no call expects
    And a stranger connects to the engine's AudioSocket port and sends "GET / HTTP/1.1"
    Then the engine closes every stranger's connection within 1000 ms
    And the engine logged:
      | level | msg                            | code                | count |
      | warn  | AudioSocket connection refused | AS_ERR_UNKNOWN_UUID | 1     |
      | warn  | AudioSocket connection refused | /^AS_ERR_/          | 2     |
    When the caller finishes speaking
    Then the agent answers within 2000 ms
    When the caller hangs up 1500 ms into the answer
    Then the caller heard an answer after each thing they said, within 2000 ms
    And the engine logged:
      | msg               | transport   | count |
      | bound to channel  | audiosocket | 1     |
      | call ended        |             | 1     |
    And nothing of the call is left within 3000 ms
