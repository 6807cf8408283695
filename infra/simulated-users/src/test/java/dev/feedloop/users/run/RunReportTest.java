package dev.feedloop.users.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

class RunReportTest {
  @TempDir static Path runs;
  static Path runDir;
  static RunSummary summary;

  @BeforeAll
  static void writeTheRecord() {
    summary = SampleRun.summary();
    runDir = runs.resolve("sample");
    Path html = RunReport.write(summary, runDir);
    assertThat(html).isEqualTo(runDir.resolve("report.html"));
  }

  @Test
  void summaryJsonHasTheDocumentedFields() throws Exception {
    JsonNode json = new ObjectMapper().readTree(runDir.resolve("summary.json").toFile());
    assertThat(json.path("format").asInt()).isEqualTo(1);
    assertThat(json.path("run_id").asText()).isEqualTo(SampleRun.RUN_ID);
    assertThat(json.path("preference").asText()).isEqualTo(SampleRun.PREFERENCE);
    assertThat(json.path("started_at").asText()).isEqualTo("2025-01-02T10:00:00Z");
    assertThat(json.path("ended_at").asText()).isEqualTo("2025-01-02T10:05:30.250Z");
    assertThat(json.path("duration_seconds").asDouble()).isEqualTo(330.25);

    JsonNode settings = json.path("settings");
    assertThat(settings.path("users").asInt()).isEqualTo(20);
    assertThat(settings.path("duration_seconds").asDouble()).isEqualTo(300.0);
    assertThat(settings.path("window_records").asInt()).isEqualTo(64);
    assertThat(settings.path("window_seconds").asDouble()).isEqualTo(30.0);
    assertThat(settings.path("loss").asText()).isEqualTo("dpo");
    assertThat(settings.path("mix").asText()).startsWith("thumbs=0.5");
    assertThat(settings.path("noise").asText()).startsWith("random=0.05");
    assertThat(settings.path("seed").asLong()).isEqualTo(7);

    assertThat(json.path("base").path("satisfaction").asDouble()).isEqualTo(0.08);
    assertThat(json.path("base").path("well_formed").asDouble()).isEqualTo(0.975);
    assertThat(json.path("base").path("adapter_version").isNull()).isTrue();
    assertThat(json.path("final").path("satisfaction").asDouble()).isEqualTo(0.41);
    assertThat(json.path("final").path("well_formed").asDouble()).isEqualTo(0.96);
    assertThat(json.path("final").path("adapter_version").asLong()).isEqualTo(3);
    assertThat(json.path("best").path("satisfaction").asDouble()).isEqualTo(0.45);
    assertThat(json.path("best").path("greedy_satisfaction").asDouble()).isEqualTo(0.5);

    JsonNode curve = json.path("curve");
    assertThat(curve.size()).isEqualTo(4);
    assertThat(curve.get(1).path("elapsed_seconds").asDouble()).isEqualTo(90.0);
    assertThat(curve.get(1).path("style").asDouble()).isEqualTo(0.22);
    assertThat(curve.get(1).path("greedy_satisfaction").isNull()).isTrue();
    assertThat(curve.get(1).path("prompts").asInt()).isEqualTo(200);

    JsonNode adapters = json.path("adapters");
    assertThat(adapters.path("published").asLong()).isEqualTo(4);
    assertThat(adapters.path("refused").asLong()).isEqualTo(1);
    assertThat(adapters.path("refusals").get(0).path("window").asLong()).isEqualTo(4);
    assertThat(adapters.path("refusals").get(0).path("version").isNull()).isTrue();
    assertThat(adapters.path("refusals").get(0).path("reason").asText()).isEqualTo("accuracy-drop");
    assertThat(adapters.path("refusals").get(0).path("detail").asText())
        .isEqualTo(SampleRun.DETAIL);
    assertThat(json.path("windows").asLong()).isEqualTo(6);

    assertThat(json.path("feedback_events").asLong()).isEqualTo(1654);
    JsonNode byKind = json.path("feedback_by_kind");
    assertThat(byKind.path("thumbs_up").asLong()).isEqualTo(400);
    assertThat(byKind.path("thumbs_down").asLong()).isEqualTo(804);
    assertThat(byKind.path("choice").asLong()).isEqualTo(300);
    assertThat(byKind.path("edit").asLong()).isEqualTo(150);
    assertThat(byKind.path("retract").asLong()).isZero();
    assertThat(byKind.has("retract")).isTrue();
    assertThat(json.path("chat").path("requests").asLong()).isEqualTo(1500);
    assertThat(json.path("chat").path("failures").asLong()).isEqualTo(3);

    // weights 30 @ 35 s, 64 @ 41.2 s, 10 @ 80.1 s: rank 52 of 104 and rank 99 of 104
    JsonNode freshness = json.path("freshness");
    assertThat(freshness.path("p50_seconds").asDouble()).isEqualTo(41.2);
    assertThat(freshness.path("p95_seconds").asDouble()).isEqualTo(80.1);
    assertThat(freshness.path("max_seconds").asDouble()).isEqualTo(80.1);
    assertThat(freshness.path("total_weight").asLong()).isEqualTo(104);
    assertThat(freshness.path("samples").size()).isEqualTo(3);
    assertThat(freshness.path("samples").get(0).path("seconds").asDouble()).isEqualTo(41.2);
    assertThat(freshness.path("samples").get(0).path("weight").asLong()).isEqualTo(64);
  }

  @Test
  void summaryJsonReadsBackIntoTheSameSummary() throws Exception {
    assertThat(SummaryJson.read(runDir.resolve("summary.json"))).isEqualTo(summary);
  }

  @Test
  void curvePngDecodesAtTheChartSize() throws Exception {
    BufferedImage image = ImageIO.read(runDir.resolve("curve.png").toFile());
    assertThat(image).isNotNull();
    assertThat(image.getWidth()).isEqualTo(800);
    assertThat(image.getHeight()).isEqualTo(450);
  }

  @Test
  void curveSvgIsXmlNamingTheSeriesAndThePreference() throws Exception {
    Path svg = runDir.resolve("curve.svg");
    assertThat(runDir.resolve("curve.svg.svg")).doesNotExist();
    Document document = parseXml(svg);
    assertThat(document.getDocumentElement().getTagName()).isEqualTo("svg");
    // XChart draws letters as paths; the title and description name what they show
    assertThat(textOf(document.getElementsByTagName("title")))
        .isEqualTo("Satisfaction of the preference " + SampleRun.PREFERENCE + "\n");
    String text = textOf(document.getElementsByTagName("desc"));
    assertThat(text)
        .contains(CurveChart.SATISFACTION)
        .contains(CurveChart.WELL_FORMED)
        .contains(CurveChart.STYLE)
        .contains(CurveChart.GREEDY)
        .contains(CurveChart.BASE)
        .contains(CurveChart.ADAPTER_LIVE)
        .contains("minutes elapsed");
    assertThat(document.getElementsByTagName("path").getLength()).isGreaterThan(20);
  }

  @Test
  void aNewVersionIsMarkedWhereItWasFirstMeasured() {
    List<CurvePoint> curve =
        List.of(
            new CurvePoint(0, null, 0.1, 0.9, 0.1, null, null, 10),
            new CurvePoint(60, 1L, 0.2, 0.9, 0.2, null, null, 10),
            new CurvePoint(120, 1L, 0.2, 0.9, 0.2, null, null, 10),
            new CurvePoint(180, null, 0.1, 0.9, 0.1, null, null, 10),
            new CurvePoint(240, 2L, 0.3, 0.9, 0.3, null, null, 10));
    assertThat(CurveChart.newVersions(curve))
        .extracting(CurvePoint::elapsedSeconds)
        .containsExactly(60.0, 240.0);
  }

  @Test
  void reportHtmlIsSelfContainedAndEscaped() throws Exception {
    String html = Files.readString(runDir.resolve("report.html"));
    assertThat(html).contains("run-&lt;1&gt;").doesNotContain("run-<1>");
    assertThat(html)
        .contains("athene,polite &amp; &quot;brief&quot;")
        .doesNotContain(SampleRun.PREFERENCE);
    assertThat(html)
        .contains("held-out accuracy 0.61 &lt; 0.64 &amp; falling")
        .doesNotContain(SampleRun.DETAIL);
    assertThat(html)
        .contains("<tr><td>satisfaction</td><td>8.0%</td><td>41.0%</td><td>45.0%</td></tr>")
        .contains("<tr><td>well-formed</td><td>97.5%</td><td>96.0%</td><td>96.5%</td></tr>")
        .contains("<tr><td>adapter</td><td>base</td><td>v3</td><td>v2</td></tr>")
        .contains("<tr><td>03:20</td><td>4</td><td>-</td><td>accuracy-drop</td>")
        .contains("<tr><td>thumbs down</td><td>804</td></tr>")
        .contains("<tr><td>all kinds</td><td>1,654</td></tr>")
        .contains("<tr><td>p50</td><td>41.2 s</td></tr>")
        .contains("<tr><td>p95</td><td>80.1 s</td></tr>")
        .contains("<tr><td>published</td><td>4</td></tr>")
        .contains("<tr><td>refused</td><td>1</td></tr>")
        .contains("<tr><td>01:30</td><td>v1</td><td>20.0%</td>");
    // the curve travels inside the page: a PNG data URI that decodes at the chart's size
    Matcher image =
        Pattern.compile("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"").matcher(html);
    assertThat(image.find()).isTrue();
    BufferedImage embedded =
        ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(image.group(1))));
    assertThat(embedded.getWidth()).isEqualTo(800);
    assertThat(html).doesNotContain("src=\"curve.png\"").doesNotContain("<script");
  }

  @Test
  void theSummaryTableAlignsBaseFinalAndBest() {
    String table = RunReport.summaryTable(summary);
    List<String> lines = table.lines().toList();
    assertThat(lines.get(0))
        .isEqualTo("Run run-<1> · preference " + SampleRun.PREFERENCE + " · 05:30");
    List<String> shares = new ArrayList<>();
    for (String line : lines) {
      if (line.startsWith("satisfaction")
          || line.startsWith("well-formed")
          || line.startsWith("style")
          || line.startsWith("greedy")) {
        shares.add(line);
      }
    }
    assertThat(shares).hasSize(5);
    // right-aligned figures: every row of the share table ends in the same column
    assertThat(shares).extracting(String::length).containsOnly(lines.get(1).length());
    assertThat(table)
        .containsPattern("satisfaction +8\\.0% +41\\.0% +45\\.0%")
        .containsPattern("well-formed +97\\.5% +96\\.0% +96\\.5%")
        .containsPattern("greedy satisfaction +0\\.0% +45\\.0% +50\\.0%")
        .containsPattern("adapter +base +v3 +v2")
        .containsPattern("adapters published +4\n")
        .containsPattern("adapters refused +1\n")
        .containsPattern("windows +6\n")
        .containsPattern("chat requests +1,500\n")
        .containsPattern("chat failures +3\n")
        .containsPattern("feedback accepted +1,654\n")
        .containsPattern("  thumbs down +804\n")
        .containsPattern("  retract +0\n")
        .containsPattern("freshness p50 +41\\.2 s\n")
        .containsPattern("freshness p95 +80\\.1 s\n")
        .containsPattern("freshness samples +3 \\(104 records\\)\n")
        .contains("refused: window 4 at 03:20: accuracy-drop (" + SampleRun.DETAIL + ")");
  }

  @Test
  void aRunWithoutEvaluationsStillWritesItsRecord(@TempDir Path dir) throws Exception {
    RunSummary empty =
        RunSummary.builder()
            .runId("empty")
            .preference("brief")
            .startedAt(Instant.EPOCH)
            .endedAt(Instant.EPOCH.plusSeconds(5))
            .build();
    RunReport.write(empty, dir);
    JsonNode json = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
    assertThat(json.path("base").isNull()).isTrue();
    assertThat(json.path("final").isNull()).isTrue();
    assertThat(json.path("freshness").path("p50_seconds").isNull()).isTrue();
    assertThat(ImageIO.read(dir.resolve("curve.png").toFile()).getHeight()).isEqualTo(450);
    assertThat(parseXml(dir.resolve("curve.svg")).getDocumentElement().getTagName())
        .isEqualTo("svg");
    assertThat(SummaryJson.read(dir.resolve("summary.json"))).isEqualTo(empty);
    assertThat(RunReport.summaryTable(empty)).containsPattern("satisfaction +- +- +-");
  }

  private static Document parseXml(Path file) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    // the SVG names its DTD by URL; a test must not go to the network for it
    factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
    return factory.newDocumentBuilder().parse(file.toFile());
  }

  private static String textOf(NodeList nodes) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < nodes.getLength(); i++) {
      text.append(nodes.item(i).getTextContent()).append('\n');
    }
    return text.toString();
  }
}
