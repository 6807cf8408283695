package dev.feedloop.serving.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.infra.kafka.SharedKafkaBroker;
import dev.feedloop.schemas.FeedbackKind;
import dev.feedloop.schemas.kafka.TopicNames;
import dev.feedloop.serving.adapters.AdapterPublishing;
import dev.feedloop.serving.adapters.ServingInstance;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console in a real browser (Debian's headless Chromium through chromedriver, both from the
 * distribution's packages, which .ci/run installs): a replica with an operator key follows a short
 * loop that went through Kafka (evaluations, trainer windows, feedback, dead letters, two adapters
 * published as the trainer publishes them); the page asks for the key, then shows the live version
 * and draws the satisfaction curve, takes in an evaluation published while it is open, and a pin
 * clicked on the page changes the live version on the page and in GET /v1/adapters; so do unpin and
 * rollback.
 *
 * <p>Fails, never skips, where Chromium or chromedriver is missing.
 */
class ConsoleBrowserTest {

  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final String OPERATOR_KEY = "operator-key-browser-0123456789abcdef";
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void theConsoleShowsTheLoopLiveAndPinsFromThePage() throws IOException {
    for (Path program : List.of(CHROMIUM, CHROMEDRIVER)) {
      assertThat(Files.isExecutable(program))
          .as(
              "%s is missing: the console's browser test needs Debian's chromium and"
                  + " chromium-driver (apt-get install -y chromium chromium-driver; .ci/run installs"
                  + " them)",
              program)
          .isTrue();
    }
    // the browser starts (seconds on a small machine) while the loop's events are published
    try (BrowserStart starting = new BrowserStart(CompletableFuture.supplyAsync(Browser::start))) {
      run(starting);
    }
  }

  private void run(BrowserStart starting) throws IOException {
    TopicNames topics = SharedKafkaBroker.createUniqueTopics("console-browser");
    AdapterPublishing.BaseModel base = AdapterPublishing.tinyChat();
    try (LoopEvents loop = new LoopEvents(topics);
        AdapterPublishing trainer =
            new AdapterPublishing(topics, LoopEvents.MODEL, base.fingerprint())) {
      loop.evaluation(0, null, 0.125);
      trainer.publish(1, AdapterPublishing.adapterBytes(base.config(), 1));
      loop.window(1, 24, "accepted", 1L, null, 1400);
      loop.evaluation(1, 1L, 0.375);
      loop.window(2, 24, "refused", null, "accuracy-drop", 1100);
      trainer.publish(2, AdapterPublishing.adapterBytes(base.config(), 2));
      loop.window(3, 24, "accepted", 2L, null, 1300);
      loop.evaluation(2, 2L, 0.625);
      loop.feedback(FeedbackKind.THUMBS_UP);
      loop.feedback(FeedbackKind.THUMBS_UP);
      loop.feedback(FeedbackKind.THUMBS_DOWN);
      loop.feedback(FeedbackKind.CHOICE);
      loop.deadLetter("near-identical-pair");

      try (ServingInstance replica =
          ServingInstance.start(
              topics,
              Map.of("feedloop.serving.access.operator-keys", "ops:" + OPERATOR_KEY),
              OPERATOR_KEY)) {
        replica.awaitLive(2, null);
        Browser browser = starting.browser();
        WebDriver page = browser.driver();
        page.get(replica.baseUrl() + "/console");

        // with keys configured the page loads but its data needs the operator key
        browser.await("the page asks for the key", d -> text(d, "error").contains("operator key"));
        page.findElement(By.id("operator-key")).sendKeys(OPERATOR_KEY);
        page.findElement(By.id("save-key")).click();

        browser.await("live version 2", d -> liveVersion(d).equals("2"));
        assertThat(text(page, "live-version")).isEqualTo("v2");
        browser.await(
            "the evaluations in the table",
            d -> satisfactions(d).containsAll(List.of("0.125", "0.375", "0.625")));
        assertThat(text(page, "error")).isEmpty();
        // uPlot drew the curve: its canvas is not blank and its legend names the series
        browser.await("a drawn satisfaction chart", ConsoleBrowserTest::chartDrawn);
        assertThat(page.findElement(By.cssSelector("#satisfaction-chart .u-legend")).getText())
            .contains("satisfaction")
            .contains("well formed");
        assertThat(text(page, "feedback-totals")).contains("thumbs_up 2").contains("choice 1");
        assertThat(text(page, "dead-letters-table")).contains("near-identical-pair 1");
        assertThat(text(page, "windows-table")).contains("accuracy-drop");
        assertThat(text(page, "adapters-table")).contains("v2").contains("v1");

        // the loop goes on while the page is open
        loop.evaluation(3, 2L, 0.875);
        browser.await("a new evaluation on the open page", d -> satisfactions(d).contains("0.875"));

        // pin the older version from the page
        browser.await(
            "a click on pin v1",
            d -> {
              try {
                d.findElement(By.cssSelector("#adapters-table button.pin[data-version='1']"))
                    .click();
                return true;
              } catch (StaleElementReferenceException rerendered) {
                return false;
              }
            });
        browser.await("live version 1 on the page", d -> liveVersion(d).equals("1"));
        assertThat(text(page, "live-detail")).contains("pinned v1");
        assertThat(text(page, "action-status")).contains("accepted");
        // what the page looked like, for whoever reads the build's output
        Files.write(
            Path.of("target", "console-browser.png"),
            ((TakesScreenshot) page).getScreenshotAs(OutputType.BYTES));
        Map<String, Object> adapters = replica.awaitLive(1, 1L);
        assertThat(ServingInstance.version(adapters, 1).get("status")).isEqualTo("live");
        assertThat(ServingInstance.version(adapters, 2).get("status")).isEqualTo("available");

        // unpin: the newest goes live again; roll it back: the older one goes live
        browser.await("unpin enabled", d -> d.findElement(By.id("unpin")).isEnabled());
        page.findElement(By.id("unpin")).click();
        browser.await("live version 2 again", d -> liveVersion(d).equals("2"));
        replica.awaitLive(2, null);
        browser.await("rollback enabled", d -> d.findElement(By.id("rollback")).isEnabled());
        page.findElement(By.id("rollback")).click();
        browser.await("live version 1 after the rollback", d -> liveVersion(d).equals("1"));
        browser.await(
            "v2 shown rolled back", d -> text(d, "adapters-table").contains("rolled back"));
        adapters = replica.awaitLive(1, null);
        assertThat(ServingInstance.version(adapters, 2).get("status")).isEqualTo("rolled_back");
      }
    }
  }

  private static String text(WebDriver driver, String id) {
    return driver.findElement(By.id(id)).getText().replaceAll("\\s+", " ").strip();
  }

  private static String liveVersion(WebDriver driver) {
    return driver.findElement(By.id("live-version")).getDomAttribute("data-version");
  }

  private static List<String> satisfactions(WebDriver driver) {
    try {
      return driver.findElements(By.cssSelector("#evaluations-table td.satisfaction")).stream()
          .map(WebElement::getText)
          .toList();
    } catch (StaleElementReferenceException rerendered) {
      return List.of();
    }
  }

  private static boolean chartDrawn(WebDriver driver) {
    Object drawn =
        ((JavascriptExecutor) driver)
            .executeScript(
                "const c = document.querySelector('#satisfaction-chart canvas');"
                    + "if (!c) return false;"
                    + "const blank = document.createElement('canvas');"
                    + "blank.width = c.width; blank.height = c.height;"
                    + "return c.width > 0 && c.toDataURL() !== blank.toDataURL();");
    return Boolean.TRUE.equals(drawn);
  }

  /** A browser starting in the background; closing waits for it and quits it. */
  private record BrowserStart(CompletableFuture<Browser> future) implements AutoCloseable {

    Browser browser() {
      return future.join();
    }

    @Override
    public void close() {
      try {
        future.join().close();
      } catch (CompletionException failedToStart) {
        // nothing to quit; the test already failed or fails on browser()
      }
    }
  }

  /** Headless Chromium in a fresh profile, driven through Debian's chromedriver. */
  record Browser(ChromeDriver driver, Path profile) implements AutoCloseable {

    static Browser start() {
      Path profile;
      try {
        profile = Files.createTempDirectory("feedloop-console-chromium");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      // the driver and browser named outright: Selenium Manager never looks anything up
      System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
      ChromeOptions options = new ChromeOptions();
      options.setBinary(CHROMIUM.toFile());
      options.addArguments(
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--disable-dev-shm-usage",
          "--window-size=1400,2400",
          "--user-data-dir=" + profile);
      ChromeDriverService service =
          new ChromeDriverService.Builder()
              .usingDriverExecutable(CHROMEDRIVER.toFile())
              .usingAnyFreePort()
              .build();
      return new Browser(new ChromeDriver(service, options), profile);
    }

    /** Waits for {@code condition}; on timeout the failure shows what the page said. */
    void await(String what, Function<WebDriver, Boolean> condition) {
      try {
        new WebDriverWait(driver, WAIT, Duration.ofMillis(100))
            .ignoring(StaleElementReferenceException.class)
            .until(condition::apply);
      } catch (TimeoutException e) {
        String said;
        try {
          said =
              "error: '"
                  + text(driver, "error")
                  + "', status: '"
                  + text(driver, "updated")
                  + "', live: '"
                  + text(driver, "live-detail")
                  + "', action: '"
                  + text(driver, "action-status")
                  + "'";
        } catch (RuntimeException unreadable) {
          said = driver.getPageSource();
        }
        throw new AssertionError(what + " not seen within " + WAIT + "; the page said " + said, e);
      }
    }

    @Override
    public void close() {
      try {
        driver.quit();
      } finally {
        try (Stream<Path> files = Files.walk(profile)) {
          files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
  }
}
