package dev.feedloop.trainer.cli;

import picocli.CommandLine.Command;

/**
 * {@code publish}: sends existing feedback into the loop's topics, so that it seeds the online
 * trainer: preference data files as training records, chat front ends' feedback exports as
 * generations and feedback for feedback-streams.
 */
@Command(
    name = "publish",
    mixinStandardHelpOptions = true,
    description =
        "Send existing feedback into the loop's Kafka topics: preference files as training records"
            + " (publish records), chat front ends' feedback exports as generations and feedback"
            + " (publish feedback).",
    subcommands = {PublishRecordsCommand.class, PublishFeedbackCommand.class})
final class PublishCommand {}
