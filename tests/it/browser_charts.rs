//! The participation chart in a real browser, light and dark: its caption's key shows each series in the colour
//! the chart draws it with.

use serde_json::Value;

use crate::browser::{Browser, course};

/// For each series, the computed fill and opacity of its bars and of its swatch in the caption's key (found by
/// the key's words), the swatch's width, and the caption's text.
const SERIES_COLOURS: &str = "const figure = document.querySelector('.class-participation figure');
  const look = (element) => { const style = getComputedStyle(element); return style.fill + ' at ' + style.opacity; };
  const found = {};
  for (const series of ['posts', 'comments']) {
    const bar = figure.querySelector('svg.chart rect.bar-' + series);
    const key = [...figure.querySelectorAll('figcaption .chart-key')].find((key) => key.textContent.trim() === series);
    const swatch = key ? key.querySelector('rect') : null;
    found[series] = {
      bar: bar ? look(bar) : null,
      key: swatch ? look(swatch) : null,
      width: swatch ? swatch.getBoundingClientRect().width : 0,
    };
  }
  found.caption = figure.querySelector('figcaption').textContent;
  return found;";

#[tokio::test]
async fn the_participation_charts_key_shows_each_series_in_the_colour_it_is_drawn_light_and_dark() {
    let course = course().await;
    let mut drawn: Vec<Value> = Vec::new();
    for (scheme, switches) in [("light", &[][..]), ("dark", &["--force-dark-mode"][..])] {
        let Some(browser) = Browser::open_with(&course.app, 1280, 900, switches).await else {
            return;
        };
        let dark = browser
            .run("return matchMedia('(prefers-color-scheme: dark)').matches;")
            .await;
        assert_eq!(dark, Value::Bool(scheme == "dark"), "{scheme}");
        browser
            .sign_in(&course.instructor_email, &course.instructor_password)
            .await;
        browser.goto("/admin/participation").await;
        browser.wait(".class-participation figure svg.chart").await;
        let found = browser.run(SERIES_COLOURS).await;
        for series in ["posts", "comments"] {
            let colours = &found[series];
            assert!(
                colours["bar"].is_string(),
                "{scheme}: no {series} bar: {found}"
            );
            assert_eq!(
                colours["key"], colours["bar"],
                "{scheme}: the key shows {series} in another colour than the chart: {found}"
            );
            assert!(
                colours["width"].as_f64().unwrap_or(0.0) >= 10.0,
                "{scheme}: the {series} swatch is too small to see: {found}"
            );
        }
        assert_ne!(found["posts"]["bar"], found["comments"]["bar"], "{scheme}");
        let caption = found["caption"].as_str().unwrap_or_default().to_lowercase();
        for colour_word in ["dark", "light", "blue", "pale"] {
            assert!(
                !caption.contains(colour_word),
                "{scheme}: the caption names a colour that the scheme may change: {caption}"
            );
        }
        drawn.push(found["posts"]["bar"].clone());
    }
    assert_ne!(
        drawn[0], drawn[1],
        "the dark scheme draws the chart in its own colours"
    );
}
