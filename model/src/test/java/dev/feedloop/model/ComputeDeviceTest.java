package dev.feedloop.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.feedloop.model.cli.ModelCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** --device: parsed once, resolved against what the engine reports, failing clearly. */
class ComputeDeviceTest {

  @Test
  void parsesEveryAcceptedForm() {
    assertThat(ComputeDevice.parse("auto")).isEqualTo(ComputeDevice.AUTO);
    assertThat(ComputeDevice.parse(" CPU ")).isEqualTo(ComputeDevice.CPU);
    assertThat(ComputeDevice.parse("cpu()")).isEqualTo(ComputeDevice.CPU);
    assertThat(ComputeDevice.parse("gpu")).isEqualTo(ComputeDevice.gpu(0));
    assertThat(ComputeDevice.parse("gpu(3)")).isEqualTo(ComputeDevice.gpu(3));
    assertThat(ComputeDevice.parse("gpu1")).isEqualTo(ComputeDevice.gpu(1));
    // what toString prints, parse reads back
    for (String name : new String[] {"auto", "cpu", "gpu(0)", "gpu(12)"}) {
      assertThat(ComputeDevice.parse(name).toString()).isEqualTo(name);
    }
  }

  @Test
  void rejectsAnythingElseNamingTheAcceptedForms() {
    for (String bad :
        new String[] {"", "cuda", "gpu(-1)", "gpu()", "gpu(1", "tpu", "gpu(99999999999)"}) {
      assertThatThrownBy(() -> ComputeDevice.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("expected auto, cpu, gpu, gpu(N) or gpuN");
    }
  }

  @Test
  void aGpuTheEngineDoesNotReportFailsClearly() {
    assertThatThrownBy(() -> ComputeDevice.gpu(0).resolve(0, Device.cpu()))
        .isInstanceOf(ComputeDevice.NoCudaDeviceException.class)
        .hasMessageStartingWith("no CUDA device: this machine's PyTorch engine reports 0 GPUs");
    assertThatThrownBy(() -> ComputeDevice.gpu(2).resolve(2, Device.gpu(0)))
        .hasMessage(
            "no CUDA device gpu(2): this machine's PyTorch engine reports 2 GPUs (gpu(0) to gpu(1))");
    assertThat(ComputeDevice.gpu(1).resolve(2, Device.gpu(0))).isEqualTo(Device.gpu(1));
    assertThat(ComputeDevice.CPU.resolve(4, Device.gpu(0))).isEqualTo(Device.cpu());
    assertThat(ComputeDevice.AUTO.resolve(0, Device.cpu())).isEqualTo(Device.cpu());
    assertThat(ComputeDevice.AUTO.resolve(1, Device.gpu(0))).isEqualTo(Device.gpu(0));
  }

  @Test
  void theRealEngineAgreesWithItself() {
    // whatever this machine has: auto is the engine's default, and one GPU past its count fails
    Engine engine = Engine.getInstance();
    int gpus = engine.getGpuCount();
    assertThat(ComputeDevice.AUTO.resolve()).isEqualTo(engine.defaultDevice());
    assertThatThrownBy(() -> ComputeDevice.gpu(gpus).resolve())
        .isInstanceOf(ComputeDevice.NoCudaDeviceException.class)
        .hasMessageContaining("this machine's PyTorch engine reports " + gpus + " GPU");
    assertThat(ComputeDevice.of(ComputeDevice.AUTO.resolve()).kind())
        .isNotEqualTo(ComputeDevice.Kind.AUTO);
  }

  @Test
  void theCliParsesTheDeviceBeforeLoadingAnything() {
    CommandLine commandLine = new CommandLine(new ModelCommand());
    StringWriter err = new StringWriter();
    commandLine.setErr(new PrintWriter(err));
    int exitCode = commandLine.execute("chat", "--model", "nowhere", "--device", "cuda:0");
    assertThat(exitCode).isEqualTo(CommandLine.ExitCode.USAGE);
    assertThat(err.toString())
        .contains("Invalid value for option '--device'", "unknown device 'cuda:0'");
  }
}
