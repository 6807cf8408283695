package dev.feedloop.model.cli;

import ai.djl.Device;
import dev.feedloop.model.ComputeDevice;
import java.nio.file.Path;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * {@code --model}, {@code --device} and {@code --seed}: the options of every command that loads or
 * runs the model ({@code model chat}, {@code model bench}, the trainer's {@code train}, {@code
 * eval} and {@code bench}), declared once and used with {@code @Mixin}.
 *
 * <p>A command that runs without a model directory too (a benchmark on random weights) declares
 * {@code @Command(modelTransformer = ModelOptions.ModelOptional.class)}; one in which nothing is
 * random, {@code @Command(modelTransformer = ModelOptions.NoSeed.class)}, so it does not offer a
 * seed it would ignore.
 */
public final class ModelOptions {

  @Option(
      names = "--model",
      required = true,
      paramLabel = "DIR",
      description =
          "Hugging Face model directory: config.json, *.safetensors, tokenizer.json and a chat"
              + " template (tokenizer_config.json or chat_template.jinja).")
  Path model;

  @Option(
      names = "--device",
      defaultValue = "auto",
      paramLabel = "DEVICE",
      converter = DeviceConverter.class,
      description =
          "auto (the best available: the first GPU when the PyTorch engine has CUDA and sees one,"
              + " else the CPU), cpu, gpu (the first GPU) or gpu(N), e.g. gpu(1); a GPU that the"
              + " engine does not report fails the command (default: ${DEFAULT-VALUE}).")
  ComputeDevice device;

  @Option(
      names = "--seed",
      defaultValue = "42",
      paramLabel = "N",
      description =
          "Seeds every random choice of the command (sampling, LoRA initialisation, data order,"
              + " random weights): the same seed gives the same result (default: ${DEFAULT-VALUE}).")
  long seed;

  /** The model directory; null only where {@link ModelOptional} made it optional. */
  public Path model() {
    return model;
  }

  /** The device as asked for (auto, cpu or gpu(N)), parsed once by picocli. */
  public ComputeDevice requestedDevice() {
    return device;
  }

  /**
   * The device as the resolved text (cpu or gpu(N), never auto), for configurations that carry it:
   * a run records where it actually computed.
   *
   * @throws ComputeDevice.NoCudaDeviceException when a GPU is asked for that the engine lacks
   */
  public String deviceName() {
    return ComputeDevice.of(device()).toString();
  }

  /**
   * The device to compute on, resolved by the PyTorch engine (loading it).
   *
   * @throws ComputeDevice.NoCudaDeviceException when a GPU is asked for that the engine lacks
   */
  public Device device() {
    return device.resolve();
  }

  public long seed() {
    return seed;
  }

  /** Makes {@code --model} optional: for commands that do something useful without a model. */
  public static final class ModelOptional implements IModelTransformer {
    @Override
    public CommandSpec transform(CommandSpec command) {
      OptionSpec model = command.findOption("--model");
      command.remove(model);
      command.addOption(model.toBuilder().required(false).build());
      return command;
    }
  }

  /** Removes {@code --seed}: for commands that compute the same result with any seed. */
  public static final class NoSeed implements IModelTransformer {
    @Override
    public CommandSpec transform(CommandSpec command) {
      command.remove(command.findOption("--seed"));
      return command;
    }
  }

  /** Parses {@code --device} once, so that a typo is a usage error before anything loads. */
  public static final class DeviceConverter implements ITypeConverter<ComputeDevice> {
    @Override
    public ComputeDevice convert(String value) {
      return ComputeDevice.parse(value);
    }
  }
}
