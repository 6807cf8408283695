package dev.feedloop.trainer.replay;

import dev.feedloop.schemas.HeldRecord;

/**
 * One record of the input topics as a replay re-read it.
 *
 * @param timestamp the record's Kafka timestamp (milliseconds): the time windows are cut on
 * @param record the decoded training record; null when it did not decode
 * @param modelId the model the record is feedback on; null when it did not decode
 */
public record ReplayRecord(
    String topic, int partition, long offset, long timestamp, HeldRecord record, String modelId) {}
