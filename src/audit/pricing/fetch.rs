//! Catalogue fetch and disk cache: a fresh cache without asking, else live, else a stale
//! cache, else the caller's fallback.

use std::path::Path;
use std::time::{Duration, SystemTime};

use super::{Catalogue, PricingOptions};
use crate::run_record::PriceSource;

/// How long a cached catalogue is trusted without asking the network again.
pub const CACHE_TTL: Duration = Duration::from_secs(24 * 60 * 60);

const LITELLM_CACHE_FILE: &str = "litellm-prices.json";

/// LiteLLM's catalogue: a fresh cache without asking, else live, else a stale cache, else
/// the built-in table. Never fails.
pub async fn load_litellm(opts: &PricingOptions) -> Catalogue {
    let parse = |text: &str, src| Catalogue::from_litellm(text, src);
    load_cached(&opts.url, &[], LITELLM_CACHE_FILE, opts, &parse)
        .await
        .unwrap_or_else(|note| {
            Catalogue::built_in(Some(format!("{note}; prices from the built-in table")))
        })
}

pub(super) type Parser<'a> = &'a (dyn Fn(&str, PriceSource) -> Result<Catalogue, String> + Sync);

pub(super) async fn load_cached(
    url: &str,
    headers: &[(&str, String)],
    file: &str,
    opts: &PricingOptions,
    parse: Parser<'_>,
) -> Result<Catalogue, String> {
    let path = opts.cache_dir.join(file);
    let cached = read_cache(&path);
    if let Some((text, age)) = &cached
        && (opts.offline || *age < CACHE_TTL)
        && let Ok(c) = parse(text, PriceSource::Cache)
    {
        return Ok(c);
    }
    let fetch_note = if opts.offline {
        "offline".to_string()
    } else {
        match fetch(url, headers, opts.timeout).await {
            Ok(text) => match parse(&text, PriceSource::Live) {
                Ok(c) => {
                    write_cache(&path, &text);
                    return Ok(c);
                }
                Err(e) => format!("{url} answered with an unreadable catalogue ({e})"),
            },
            Err(e) => e,
        }
    };
    if let Some((text, age)) = &cached
        && let Ok(mut c) = parse(text, PriceSource::Cache)
    {
        c.note = Some(format!(
            "{fetch_note}; used the cached copy from {} h ago",
            age.as_secs() / 3600
        ));
        return Ok(c);
    }
    Err(crate::secret::redact(&fetch_note))
}

async fn fetch(url: &str, headers: &[(&str, String)], timeout: Duration) -> Result<String, String> {
    let mut req = crate::provider::http_client().get(url).timeout(timeout);
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    let resp = req.send().await.map_err(|e| {
        let what = if e.is_timeout() {
            "timed out"
        } else {
            "could not be reached"
        };
        format!("price catalogue {url} {what}")
    })?;
    let status = resp.status();
    if !status.is_success() {
        return Err(format!(
            "price catalogue {url} answered HTTP {}",
            status.as_u16()
        ));
    }
    resp.text()
        .await
        .map_err(|e| format!("price catalogue {url}: body unreadable ({e})"))
}

fn read_cache(path: &Path) -> Option<(String, Duration)> {
    let text = std::fs::read_to_string(path).ok()?;
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok()?;
    let age = SystemTime::now()
        .duration_since(modified)
        .unwrap_or_default();
    Some((text, age))
}

/// Best effort: a cache that cannot be written only costs a fetch next time.
fn write_cache(path: &Path, text: &str) {
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    if std::fs::write(&tmp, text).is_ok() && std::fs::rename(&tmp, path).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::LITELLM_SAMPLE;
    use super::*;

    fn opts(dir: &Path, url: String) -> PricingOptions {
        PricingOptions {
            url,
            cache_dir: dir.to_path_buf(),
            timeout: Duration::from_secs(2),
            offline: false,
        }
    }

    #[tokio::test]
    async fn live_fetch_is_cached_then_reused() {
        use wiremock::matchers::{method, path};
        use wiremock::{Mock, MockServer, ResponseTemplate};
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/prices.json"))
            .respond_with(ResponseTemplate::new(200).set_body_string(LITELLM_SAMPLE))
            .expect(1)
            .mount(&server)
            .await;
        let dir = tempfile::tempdir().unwrap();
        let o = opts(dir.path(), format!("{}/prices.json", server.uri()));
        let first = load_litellm(&o).await;
        assert_eq!(first.source, PriceSource::Live);
        assert!(dir.path().join(LITELLM_CACHE_FILE).exists());
        // Second load inside the TTL reads the cache without a request (expect(1) above).
        let second = load_litellm(&o).await;
        assert_eq!(second.source, PriceSource::Cache);
        assert_eq!(second.len(), first.len());
    }

    #[tokio::test]
    async fn unreadable_answer_falls_back_to_built_in() {
        use wiremock::matchers::method;
        use wiremock::{Mock, MockServer, ResponseTemplate};
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_string("<html>captive portal</html>"))
            .mount(&server)
            .await;
        let dir = tempfile::tempdir().unwrap();
        let cat = load_litellm(&opts(dir.path(), server.uri())).await;
        assert_eq!(cat.source, PriceSource::BuiltIn);
        assert!(cat.note.unwrap().contains("unreadable"));
        // Nothing bad was cached.
        assert!(!dir.path().join(LITELLM_CACHE_FILE).exists());
    }

    #[tokio::test]
    async fn offline_uses_stale_cache() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LITELLM_CACHE_FILE);
        std::fs::write(&path, LITELLM_SAMPLE).unwrap();
        let f = std::fs::File::options().write(true).open(&path).unwrap();
        f.set_modified(SystemTime::now() - Duration::from_secs(3 * 24 * 3600))
            .unwrap();
        let mut o = opts(dir.path(), "http://127.0.0.1:9/never".into());
        o.offline = true;
        let cat = load_litellm(&o).await;
        assert_eq!(cat.source, PriceSource::Cache);
    }
}
