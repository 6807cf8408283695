package dev.feedloop.streams.internal;

import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * Where an input record came from, carried along so that a late rejection still names its source.
 */
public record Origin(String topic, int partition, long offset) {

  public static Origin of(ProcessorContext<?, ?> context) {
    return context
        .recordMetadata()
        .map(metadata -> new Origin(metadata.topic(), metadata.partition(), metadata.offset()))
        .orElse(new Origin("unknown", -1, -1));
  }
}
