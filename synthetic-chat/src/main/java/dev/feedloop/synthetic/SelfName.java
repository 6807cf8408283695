package dev.feedloop.synthetic;

import java.util.List;

/** How the assistant names itself in an answer. */
public enum SelfName {
  /** "Athene": the name the demo's simulated users want. */
  ATHENE,
  /** One of {@link #OTHER_NAMES}. */
  OTHER,
  /** No self-name at all. */
  NONE;

  public static final String ATHENE_NAME = "Athene";

  /** Other assistant names of the corpus; none of them occurs anywhere else in the corpus. */
  public static final List<String> OTHER_NAMES =
      List.of("Nova", "Orion", "Juniper", "Tobias", "Mira");
}
