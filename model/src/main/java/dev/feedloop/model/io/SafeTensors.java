package dev.feedloop.model.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.feedloop.model.ModelLoadException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Our own reader and writer of the safetensors format: 8 bytes little-endian header length, a JSON
 * header mapping tensor names to dtype, shape and byte range, then the raw little-endian bytes.
 *
 * <p>We do not use DJL's decoder: it crashes the JVM on BF16, which is how most real checkpoints
 * ship. Every tensor is widened to float32 here (BF16 is the top half of a float32; F16 is
 * converted exactly), so the model computes in one dtype.
 */
public final class SafeTensors {

  /** One entry of the header. Offsets are relative to the start of the data section. */
  public record TensorInfo(String name, String dtype, long[] shape, long begin, long end) {
    public long elementCount() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }
  }

  /** Where the bytes are: a file (read when a tensor is loaded) or an array in memory. */
  private interface Source {
    long size() throws IOException;

    /** Fills {@code buffer} from {@code position} on. */
    void read(ByteBuffer buffer, long position) throws IOException;
  }

  private record FileSource(Path file) implements Source {
    @Override
    public long size() throws IOException {
      return Files.size(file);
    }

    @Override
    public void read(ByteBuffer buffer, long position) throws IOException {
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
        readFully(ch, buffer, position);
      }
    }
  }

  private record MemorySource(byte[] bytes) implements Source {
    @Override
    public long size() {
      return bytes.length;
    }

    @Override
    public void read(ByteBuffer buffer, long position) {
      int length = buffer.remaining();
      if (position < 0 || position + length > bytes.length) {
        throw new ModelLoadException(
            "unexpected end of data while reading " + length + " bytes at offset " + position);
      }
      buffer.put(bytes, (int) position, length);
    }
  }

  private final Path file;
  private final String label;
  private final Source source;
  private final long dataStart;
  private final Map<String, TensorInfo> tensors;
  private final Map<String, String> metadata;

  private SafeTensors(
      Path file,
      String label,
      Source source,
      long dataStart,
      Map<String, TensorInfo> tensors,
      Map<String, String> metadata) {
    this.file = file;
    this.label = label;
    this.source = source;
    this.dataStart = dataStart;
    this.tensors = tensors;
    this.metadata = metadata;
  }

  public static SafeTensors open(Path file) throws IOException {
    try {
      return parse(file, file.toString(), new FileSource(file));
    } catch (NoSuchFileException e) {
      throw new ModelLoadException(file + ": file not found");
    }
  }

  /**
   * Reads safetensors bytes held in memory (an adapter received through Kafka); {@code label} names
   * them in error messages.
   */
  public static SafeTensors of(byte[] bytes, String label) {
    try {
      return parse(null, label, new MemorySource(bytes));
    } catch (IOException e) {
      throw new IllegalStateException("memory cannot fail to read", e);
    }
  }

  private static SafeTensors parse(Path path, String file, Source source) throws IOException {
    {
      long size = source.size();
      if (size < 8) {
        throw new ModelLoadException(file + ": not a safetensors file (" + size + " bytes)");
      }
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      source.read(len, 0);
      long headerLen = len.flip().getLong();
      if (headerLen <= 0 || headerLen > 100_000_000 || 8 + headerLen > size) {
        throw new ModelLoadException(
            file
                + ": not a safetensors file (header length "
                + headerLen
                + ", file size "
                + size
                + ")");
      }
      ByteBuffer header = ByteBuffer.allocate((int) headerLen);
      source.read(header, 8);
      JsonObject json;
      try {
        json =
            JsonParser.parseString(new String(header.array(), StandardCharsets.UTF_8))
                .getAsJsonObject();
      } catch (RuntimeException e) {
        throw new ModelLoadException(
            file + ": safetensors header is not valid JSON: " + e.getMessage());
      }
      long dataSize = size - 8 - headerLen;
      Map<String, TensorInfo> tensors = new LinkedHashMap<>();
      Map<String, String> metadata = new LinkedHashMap<>();
      for (Map.Entry<String, JsonElement> e : json.entrySet()) {
        if (e.getKey().equals("__metadata__")) {
          e.getValue()
              .getAsJsonObject()
              .entrySet()
              .forEach(m -> metadata.put(m.getKey(), m.getValue().getAsString()));
          continue;
        }
        JsonObject t = e.getValue().getAsJsonObject();
        JsonArray shapeJson = t.getAsJsonArray("shape");
        long[] shape = new long[shapeJson.size()];
        for (int i = 0; i < shape.length; i++) {
          shape[i] = shapeJson.get(i).getAsLong();
        }
        JsonArray offs = t.getAsJsonArray("data_offsets");
        TensorInfo info =
            new TensorInfo(
                e.getKey(),
                t.get("dtype").getAsString(),
                shape,
                offs.get(0).getAsLong(),
                offs.get(1).getAsLong());
        long expected = info.elementCount() * bytesPer(info.dtype, file, info.name);
        if (info.end - info.begin != expected || info.end > dataSize || info.begin < 0) {
          throw new ModelLoadException(
              file
                  + ": tensor "
                  + info.name
                  + " ("
                  + info.dtype
                  + " "
                  + Arrays.toString(shape)
                  + ") has byte range ["
                  + info.begin
                  + ", "
                  + info.end
                  + ") but needs "
                  + expected
                  + " bytes within a data section of "
                  + dataSize);
        }
        tensors.put(e.getKey(), info);
      }
      return new SafeTensors(
          path,
          file,
          source,
          8 + headerLen,
          Collections.unmodifiableMap(tensors),
          Collections.unmodifiableMap(metadata));
    }
  }

  /** The file read, null for bytes in memory. */
  public Path file() {
    return file;
  }

  public Map<String, TensorInfo> tensors() {
    return tensors;
  }

  public Map<String, String> metadata() {
    return metadata;
  }

  /** Reads a tensor as float32 into a new array owned by {@code manager}. */
  public NDArray load(NDManager manager, String name) throws IOException {
    String file = label;
    TensorInfo info = tensors.get(name);
    if (info == null) {
      throw new ModelLoadException(file + ": no tensor named " + name);
    }
    long n = info.elementCount();
    if (n * 4 > Integer.MAX_VALUE) {
      throw new ModelLoadException(file + ": tensor " + name + " is larger than 2 GB as float32");
    }
    // A direct native-order buffer becomes the tensor's storage without another copy.
    ByteBuffer out = manager.allocateDirect((int) (n * 4));
    long pos = dataStart + info.begin;
    switch (info.dtype) {
      case "F32" -> source.read(out.order(ByteOrder.LITTLE_ENDIAN), pos);
      case "BF16", "F16" -> {
        boolean bf16 = info.dtype.equals("BF16");
        ByteBuffer chunk = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        long remaining = info.end - info.begin;
        while (remaining > 0) {
          chunk.clear().limit((int) Math.min(chunk.capacity(), remaining));
          source.read(chunk, pos);
          pos += chunk.limit();
          remaining -= chunk.limit();
          chunk.flip();
          while (chunk.remaining() >= 2) {
            short h = chunk.getShort();
            out.putFloat(bf16 ? bf16ToFloat(h) : f16ToFloat(h));
          }
        }
      }
      default ->
          throw new ModelLoadException(
              file
                  + ": tensor "
                  + name
                  + " has dtype "
                  + info.dtype
                  + "; supported: F32, F16, BF16");
    }
    out.rewind().order(ByteOrder.nativeOrder());
    return manager.create(out, new Shape(info.shape), DataType.FLOAT32);
  }

  private static long bytesPer(String dtype, String file, String name) {
    return switch (dtype) {
      case "F64", "I64", "U64" -> 8;
      case "F32", "I32", "U32" -> 4;
      case "F16", "BF16", "I16", "U16" -> 2;
      case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2" -> 1;
      default ->
          throw new ModelLoadException(file + ": tensor " + name + " has unknown dtype " + dtype);
    };
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
    long pos = position;
    while (buf.hasRemaining()) {
      int r = ch.read(buf, pos);
      if (r < 0) {
        throw new ModelLoadException("unexpected end of file while reading at offset " + pos);
      }
      pos += r;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // number formats

  /** bfloat16 is the upper half of an IEEE float32. */
  public static float bf16ToFloat(short bits) {
    return Float.intBitsToFloat((bits & 0xffff) << 16);
  }

  /** Round to nearest even, keeping NaN a NaN. */
  public static short floatToBf16(float f) {
    int bits = Float.floatToRawIntBits(f);
    if (Float.isNaN(f)) {
      return (short) ((bits >>> 16) | 0x40);
    }
    int rounding = 0x7fff + ((bits >>> 16) & 1);
    return (short) ((bits + rounding) >>> 16);
  }

  /** IEEE half precision to float, subnormals and infinities included. */
  public static float f16ToFloat(short h) {
    int bits = h & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    if (exp == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    if (exp == 0) {
      float v = mant * 0x1p-24f;
      return sign == 0 ? v : -v;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }

  /** Float to IEEE half, round to nearest even (overflow saturates to infinity). */
  public static short floatToF16(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    float abs = Math.abs(f);
    if (Float.isNaN(f)) {
      return (short) (sign | 0x7e00);
    }
    if (abs >= 65520f) {
      return (short) (sign | 0x7c00);
    }
    if (abs < 0x1p-14f) {
      // subnormal: quantize to multiples of 2^-24 (Math.rint rounds half to even)
      return (short) (sign | (int) Math.rint(abs * 0x1p24f));
    }
    int e = ((bits >>> 23) & 0xff) - 127 + 15;
    int mant = bits & 0x7fffff;
    int half = (e << 10) | (mant >>> 13);
    int rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
      half++;
    }
    return (short) (sign | half);
  }

  // ---------------------------------------------------------------------------------------------
  // writing

  /** Writes float32 arrays (any float array is converted) to {@code file} in the given dtype. */
  public static void write(
      Path file, Map<String, NDArray> arrays, Map<String, String> metadata, String dtype)
      throws IOException {
    try (FileChannel ch = openForWriting(file)) {
      write(ch, arrays, metadata, dtype);
    }
  }

  /** The bytes {@link #write(Path, Map, Map, String)} would write to a file. */
  public static byte[] toBytes(
      Map<String, NDArray> arrays, Map<String, String> metadata, String dtype) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      write(Channels.newChannel(bytes), arrays, metadata, dtype);
    } catch (IOException e) {
      throw new IllegalStateException("memory cannot fail to write", e);
    }
    return bytes.toByteArray();
  }

  private static void write(
      WritableByteChannel ch,
      Map<String, NDArray> arrays,
      Map<String, String> metadata,
      String dtype)
      throws IOException {
    Map<String, float[]> data = new TreeMap<>();
    Map<String, long[]> shapes = new TreeMap<>();
    for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
      NDArray a = e.getValue();
      data.put(e.getKey(), a.getDataType() == DataType.FLOAT32 ? a.toFloatArray() : toFloats(a));
      shapes.put(e.getKey(), a.getShape().getShape());
    }
    write(ch, shapes, data, metadata, dtype);
  }

  private static float[] toFloats(NDArray a) {
    try (NDArray f = a.toType(DataType.FLOAT32, true)) {
      return f.toFloatArray();
    }
  }

  /**
   * Writes raw float data; tensors are laid out in name order, like the reference writer does for
   * one dtype.
   */
  public static void write(
      Path file,
      Map<String, long[]> shapes,
      Map<String, float[]> data,
      Map<String, String> metadata,
      String dtype)
      throws IOException {
    try (FileChannel ch = openForWriting(file)) {
      write(ch, shapes, data, metadata, dtype);
    }
  }

  private static void write(
      WritableByteChannel ch,
      Map<String, long[]> shapes,
      Map<String, float[]> data,
      Map<String, String> metadata,
      String dtype)
      throws IOException {
    int width =
        switch (dtype) {
          case "F32" -> 4;
          case "F16", "BF16" -> 2;
          default -> throw new IllegalArgumentException("cannot write dtype " + dtype);
        };
    JsonObject header = new JsonObject();
    if (metadata != null && !metadata.isEmpty()) {
      JsonObject meta = new JsonObject();
      metadata.forEach(meta::addProperty);
      header.add("__metadata__", meta);
    }
    long offset = 0;
    Map<String, float[]> sorted = new TreeMap<>(data);
    for (Map.Entry<String, float[]> e : sorted.entrySet()) {
      long[] shape = shapes.get(e.getKey());
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      if (n != e.getValue().length) {
        throw new IllegalArgumentException(
            e.getKey()
                + ": shape "
                + Arrays.toString(shape)
                + " does not match "
                + e.getValue().length
                + " values");
      }
      JsonObject t = new JsonObject();
      t.addProperty("dtype", dtype);
      JsonArray s = new JsonArray();
      for (long d : shape) {
        s.add(d);
      }
      t.add("shape", s);
      JsonArray offs = new JsonArray();
      offs.add(offset);
      offs.add(offset + n * width);
      t.add("data_offsets", offs);
      header.add(e.getKey(), t);
      offset += n * width;
    }
    byte[] headerBytes = header.toString().getBytes(StandardCharsets.UTF_8);
    int padded =
        (headerBytes.length + 7) / 8 * 8; // the format pads the header with spaces to 8 bytes
    {
      ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
      head.putLong(padded).put(headerBytes);
      while (head.hasRemaining()) {
        head.put((byte) ' ');
      }
      writeFully(ch, head.flip());
      ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
      for (float[] values : sorted.values()) {
        for (float v : values) {
          if (buf.remaining() < 4) {
            writeFully(ch, buf.flip());
            buf.clear();
          }
          switch (dtype) {
            case "F32" -> buf.putFloat(v);
            case "F16" -> buf.putShort(floatToF16(v));
            default -> buf.putShort(floatToBf16(v));
          }
        }
      }
      writeFully(ch, buf.flip());
    }
  }

  private static FileChannel openForWriting(Path file) throws IOException {
    return FileChannel.open(
        file,
        StandardOpenOption.CREATE,
        StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING);
  }

  private static void writeFully(WritableByteChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }

  /**
   * Opens every shard named by a {@code model.safetensors.index.json} and maps tensor name to
   * shard.
   */
  public static Map<String, SafeTensors> openIndexed(Path indexJson) throws IOException {
    JsonObject index;
    try {
      index = JsonParser.parseString(Files.readString(indexJson)).getAsJsonObject();
    } catch (NoSuchFileException e) {
      throw new ModelLoadException(indexJson + ": file not found");
    } catch (RuntimeException e) {
      throw new ModelLoadException(indexJson + ": not valid JSON: " + e.getMessage());
    }
    if (!index.has("weight_map")) {
      throw new ModelLoadException(indexJson + ": missing \"weight_map\"");
    }
    Map<String, SafeTensors> shards = new LinkedHashMap<>();
    Map<String, SafeTensors> byTensor = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> e : index.getAsJsonObject("weight_map").entrySet()) {
      String shardName = e.getValue().getAsString();
      SafeTensors shard = shards.get(shardName);
      if (shard == null) {
        Path p = indexJson.resolveSibling(shardName);
        if (!Files.exists(p)) {
          throw new ModelLoadException(
              indexJson + ": names shard " + shardName + " which does not exist");
        }
        shard = open(p);
        shards.put(shardName, shard);
      }
      if (!shard.tensors().containsKey(e.getKey())) {
        throw new ModelLoadException(
            indexJson
                + ": says "
                + e.getKey()
                + " is in "
                + shardName
                + " but that shard has no such tensor");
      }
      byTensor.put(e.getKey(), shard);
    }
    return byTensor;
  }
}
