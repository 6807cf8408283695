package dev.feedloop.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a model computes, as an operator names it: {@code auto} (the best available: the first GPU
 * when the PyTorch engine has CUDA and sees one, else the CPU), {@code cpu}, {@code gpu} (the first
 * GPU) or {@code gpu(N)} / {@code gpuN}. Parsing is pure (a typo fails before anything loads);
 * {@link #resolve()} asks the engine and fails clearly when a GPU is asked for that it does not
 * have, instead of DJL's later native error on the first tensor.
 *
 * <p>A CPU-only libtorch (the build this project ships) reports 0 GPUs on any machine: see
 * trainer/README.md, "Training on a CUDA machine", for the CUDA build.
 *
 * @param gpuIndex the GPU's index for {@link Kind#GPU}, otherwise -1
 */
public record ComputeDevice(Kind kind, int gpuIndex) {

  /** What kind of device was asked for. */
  public enum Kind {
    /** The engine's default device: the first GPU if it has one, else the CPU. */
    AUTO,
    CPU,
    GPU
  }

  /** The best device available. */
  public static final ComputeDevice AUTO = new ComputeDevice(Kind.AUTO, -1);

  public static final ComputeDevice CPU = new ComputeDevice(Kind.CPU, -1);

  private static final Pattern GPU = Pattern.compile("gpu(?:\\((\\d+)\\)|(\\d+))?");

  public ComputeDevice {
    if (kind == null) {
      throw new IllegalArgumentException("device kind is required");
    }
    if (kind == Kind.GPU ? gpuIndex < 0 : gpuIndex != -1) {
      throw new IllegalArgumentException("a GPU index belongs to a GPU device only: " + gpuIndex);
    }
  }

  public static ComputeDevice gpu(int index) {
    return new ComputeDevice(Kind.GPU, index);
  }

  /** The device DJL names, as a request for exactly that device. */
  public static ComputeDevice of(Device device) {
    if (Device.Type.GPU.equals(device.getDeviceType())) {
      return gpu(device.getDeviceId());
    }
    if (Device.Type.CPU.equals(device.getDeviceType())) {
      return CPU;
    }
    throw new IllegalArgumentException("not a CPU or CUDA device: " + device);
  }

  /**
   * Reads {@code auto}, {@code cpu}, {@code gpu}, {@code gpu(N)} or {@code gpuN} (case and
   * surrounding blanks ignored; {@code cpu()} and {@code gpu(N)} are also how DJL prints devices).
   *
   * @throws IllegalArgumentException naming the accepted forms
   */
  public static ComputeDevice parse(String text) {
    String name = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
    switch (name) {
      case "auto":
        return AUTO;
      case "cpu":
      case "cpu()":
        return CPU;
      default:
        break;
    }
    Matcher gpu = GPU.matcher(name);
    if (gpu.matches()) {
      String index = gpu.group(1) != null ? gpu.group(1) : gpu.group(2);
      try {
        return gpu(index == null ? 0 : Integer.parseInt(index));
      } catch (NumberFormatException tooLarge) {
        // falls through to the error below
      }
    }
    throw new IllegalArgumentException(
        "unknown device '" + text + "': expected auto, cpu, gpu, gpu(N) or gpuN, e.g. gpu(1)");
  }

  /** The device of the default engine (PyTorch), loading it if it is not loaded yet. */
  public Device resolve() {
    Engine engine = Engine.getInstance();
    return resolve(engine.getGpuCount(), engine.defaultDevice());
  }

  /**
   * The device, given how many GPUs the engine reports (0 without CUDA support) and its default.
   *
   * @throws NoCudaDeviceException when a GPU is asked for that the engine does not have
   */
  public Device resolve(int gpusReported, Device engineDefault) {
    return switch (kind) {
      case AUTO -> engineDefault;
      case CPU -> Device.cpu();
      case GPU -> {
        if (gpusReported == 0) {
          throw new NoCudaDeviceException(
              "no CUDA device: this machine's PyTorch engine reports 0 GPUs (a CPU-only libtorch"
                  + " reports 0 on any machine; see trainer/README.md, \"Training on a CUDA"
                  + " machine\"), so --device "
                  + this
                  + " cannot be used; use --device cpu or auto");
        }
        if (gpuIndex >= gpusReported) {
          throw new NoCudaDeviceException(
              "no CUDA device "
                  + this
                  + ": this machine's PyTorch engine reports "
                  + gpusReported
                  + (gpusReported == 1
                      ? " GPU (gpu(0))"
                      : " GPUs (gpu(0) to gpu(" + (gpusReported - 1) + "))"));
        }
        yield Device.gpu(gpuIndex);
      }
    };
  }

  /** {@code auto}, {@code cpu} or {@code gpu(N)}: {@link #parse} reads it back. */
  @Override
  public String toString() {
    return switch (kind) {
      case AUTO -> "auto";
      case CPU -> "cpu";
      case GPU -> "gpu(" + gpuIndex + ")";
    };
  }

  /** A GPU was asked for that the engine does not have. */
  public static final class NoCudaDeviceException extends IllegalStateException {
    public NoCudaDeviceException(String message) {
      super(message);
    }
  }
}
