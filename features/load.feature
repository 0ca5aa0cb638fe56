@load
Feature: Basic load
  Ten callers at once, each greeted and answered. Response time is measured where it matters:
  in each caller's recording, from the end of their speech to the first agent audio they hear.

  Scenario: Ten calls at once are answered within 2 s at the 95th percentile
    When 10 calls come in at once with formats "slin16"
    And every caller hears the greeting out and says "caller-hello"
    And every caller hangs up 1500 ms into the answer
    Then every caller heard an answer after what they said
    And the 95th percentile of the response time at the callers is at most 2000 ms
    And nothing of any call is left within 5000 ms
