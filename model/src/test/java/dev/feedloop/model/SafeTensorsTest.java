package dev.feedloop.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.feedloop.model.io.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {

  @TempDir Path tmp;

  @Test
  void bf16IsTheUpperHalfOfFloat32AndRoundsToNearestEven() {
    assertThat(SafeTensors.bf16ToFloat((short) 0x3f80)).isEqualTo(1.0f);
    assertThat(SafeTensors.bf16ToFloat((short) 0xc000)).isEqualTo(-2.0f);
    assertThat(SafeTensors.floatToBf16(1.0f)).isEqualTo((short) 0x3f80);
    // 1 + 2^-8 lies halfway between two bf16 values: ties go to the even mantissa (1.0)
    assertThat(SafeTensors.floatToBf16(1.00390625f)).isEqualTo((short) 0x3f80);
    assertThat(SafeTensors.floatToBf16(1.01171875f)).isEqualTo((short) 0x3f82);
  }

  @Test
  void f16ConversionIsExactOnRepresentableValuesIncludingSubnormals() {
    for (int bits = 0; bits < 0x10000; bits++) {
      float f = SafeTensors.f16ToFloat((short) bits);
      if (Float.isNaN(f)) {
        continue;
      }
      assertThat(SafeTensors.floatToF16(f)).as("bits %x", bits).isEqualTo((short) bits);
    }
    assertThat(SafeTensors.f16ToFloat((short) 0x3c00)).isEqualTo(1.0f);
    assertThat(SafeTensors.f16ToFloat((short) 0x0001)).isEqualTo(0x1p-24f);
    assertThat(SafeTensors.f16ToFloat((short) 0x7c00)).isEqualTo(Float.POSITIVE_INFINITY);
  }

  @Test
  void writesAndReadsEveryDtype() throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      float[] values = {0f, 1f, -2.5f, 3.140625f, 1e-3f, -65504f};
      NDArray a = m.create(values, new Shape(2, 3));
      for (String dtype : new String[] {"F32", "F16", "BF16"}) {
        Path f = tmp.resolve(dtype + ".safetensors");
        SafeTensors.write(f, Map.of("w", a), Map.of("format", "pt"), dtype);
        SafeTensors st = SafeTensors.open(f);
        assertThat(st.tensors().get("w").dtype()).isEqualTo(dtype);
        assertThat(st.tensors().get("w").shape()).containsExactly(2, 3);
        assertThat(st.metadata()).containsEntry("format", "pt");
        float[] back = st.load(m, "w").toFloatArray();
        for (int i = 0; i < values.length; i++) {
          float expected =
              switch (dtype) {
                case "F32" -> values[i];
                case "F16" -> SafeTensors.f16ToFloat(SafeTensors.floatToF16(values[i]));
                default -> SafeTensors.bf16ToFloat(SafeTensors.floatToBf16(values[i]));
              };
          assertThat(back[i]).as(dtype + "[" + i + "]").isEqualTo(expected);
        }
      }
      // header is padded to 8 bytes, as the reference writer does
      long headerLen =
          java.nio.ByteBuffer.wrap(Files.readAllBytes(tmp.resolve("F32.safetensors")), 0, 8)
              .order(java.nio.ByteOrder.LITTLE_ENDIAN)
              .getLong();
      assertThat(headerLen % 8).isZero();
    }
  }

  @Test
  void rejectsTruncatedFilesWithTheFileName() throws Exception {
    try (NDManager m = NDManager.newBaseManager()) {
      Path f = tmp.resolve("cut.safetensors");
      SafeTensors.write(f, Map.of("w", m.ones(new Shape(64))), Map.of(), "F32");
      byte[] bytes = Files.readAllBytes(f);
      Files.write(f, java.util.Arrays.copyOf(bytes, bytes.length - 10));
      assertThatThrownBy(() -> SafeTensors.open(f))
          .isInstanceOf(ModelLoadException.class)
          .hasMessageContaining("cut.safetensors")
          .hasMessageContaining("tensor w");
    }
  }
}
