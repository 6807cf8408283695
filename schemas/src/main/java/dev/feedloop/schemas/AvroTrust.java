package dev.feedloop.schemas;

import org.apache.avro.util.ClassSecurityValidator;

/**
 * Avro 1.12.2 refuses to instantiate classes it does not trust, while decoding and also while
 * deep-copying a record ({@code PreferencePair.newBuilder(existing)}). The loop's events are
 * trusted once per JVM by the first of the schemas classes that any component touches (the serde,
 * prompt hashes, chat messages), so no JVM flag is needed.
 */
final class AvroTrust {

  private static boolean installed;

  private AvroTrust() {}

  static synchronized void install() {
    if (installed) {
      return;
    }
    String events = AvroTrust.class.getPackageName() + ".";
    ClassSecurityValidator.setGlobal(
        ClassSecurityValidator.composite(
            ClassSecurityValidator.getGlobal(), type -> type.getName().startsWith(events)));
    installed = true;
  }
}
