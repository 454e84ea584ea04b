//! `tally serve`: the store over HTTP, read-only. Every view is a URL with `.json` and
//! `.csv` twins, and every view is a `tally` command line run in-process
//! ([`crate::run_argv`]), so the server's numbers are the CLI's by construction: the
//! publication layer decides disclosure, the server only carries its output.
//!
//! Routes (see [`openapi`] for the document served at `/openapi.json`):
//! - `/` — the dashboard: a form whose GET submits to `/count/{table}` (the URL is the
//!   permalink);
//! - `/count/{table}[.json|.csv]?by=&from=&to=&release=&DIM=V1,V2` — `tally count`;
//! - `/status[.json]`, `/fields/{table}[.json]`, `/operations[.json]`,
//!   `/operations/{name}[.json]`, `/compare/{a}/{b}[.json|.csv]`.
//!
//! Bad requests get a 4xx with a JSON error naming the parameter; expensive ones are
//! bounded (a group limit and a time limit); responses carry an ETag keyed on the store's
//! manifest, so a new generation is a new tag; the store is opened per request, so a
//! reader always sees one whole generation.

use anyhow::{Context, Result};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tally_model::TableKind;

/// Serve a store over HTTP (read-only): a dashboard and a JSON/CSV API.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Example:\n  tally serve --store ./store\n  curl 'http://127.0.0.1:8080/count/arrests.json?by=fy,method-group&aor=CHI'"
)]
pub struct Args {
    /// Store directory (read, never written).
    #[arg(long, value_name = "DIR")]
    pub store: PathBuf,
    /// Address to listen on; loopback by default. Port 0 picks a free port (printed).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Cells with a count below this print as "<N", as in `tally count`.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub suppress_below: u64,
    /// Seconds a request may run before it is answered 503 (at least 1).
    #[arg(long, value_name = "S", default_value_t = 30, value_parser = whole_seconds)]
    pub timeout: u64,
    /// Most groups a count may hold before small ones are hidden: a finer count (date by
    /// landmark: 11 million groups, 2.9 GB, over 50 million arrests) is refused 400 as
    /// soon as its scan passes N, so that the counts the server runs at once (one per
    /// core) stay well under 2 GiB (about 270 bytes a group). `tally count` has no limit.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_GROUPS, value_parser = super::count::at_least_one_group)]
    pub max_groups: usize,
    /// An operation file (TOML) to offer beside the shipped ones, by its `name`
    /// (repeatable). Only files named here are run: a client never names a path.
    #[arg(long = "operation", value_name = "FILE")]
    pub operations: Vec<PathBuf>,
}

/// `--max-groups` unless given: a million groups, about 270 MB built, per count.
pub const DEFAULT_MAX_GROUPS: usize = 1_000_000;

/// `--timeout`: a whole number of seconds, at least 1 (0 would answer every request 503).
fn whole_seconds(value: &str) -> Result<u64, String> {
    match value.trim().parse::<u64>() {
        Ok(0) => Err("a request needs at least 1 second".to_string()),
        Ok(s) => Ok(s),
        Err(_) => Err(format!("{value:?} is not a whole number of seconds")),
    }
}

/// An operation the server offers: its name, title, and the file it was read from when
/// it is not shipped.
struct Offered {
    name: String,
    title: String,
    file: Option<PathBuf>,
}

/// What every request needs.
struct Served {
    store: PathBuf,
    suppress_below: u64,
    /// Passed to every count as its `--max-groups`.
    max_groups: usize,
    timeout: Duration,
    operations: Vec<Offered>,
    cache: std::sync::Mutex<ResponseCache>,
    manifest: std::sync::Mutex<Option<SeenManifest>>,
    /// Queries run at once: one per core, so memory stays flat however many clients
    /// wait (a waiting request counts against its time limit).
    running: Arc<tokio::sync::Semaphore>,
}

/// A manifest file as last seen: its inode, length and modification time, and the
/// SHA-256 of its bytes.
type SeenManifest = ((u64, u64, std::time::SystemTime), [u8; 32]);

impl Served {
    /// The SHA-256 of the store's manifest, hashed again only when the file changed (a
    /// new generation is written to a new file and renamed over the old: a new inode).
    fn generation(&self) -> Option<[u8; 32]> {
        use std::os::unix::fs::MetadataExt;
        let path = self.store.join("manifest.json");
        let meta = std::fs::metadata(&path).ok()?;
        let key = (meta.ino(), meta.len(), meta.modified().ok()?);
        if let Ok(seen) = self.manifest.lock()
            && let Some((k, hash)) = *seen
            && k == key
        {
            return Some(hash);
        }
        let bytes = std::fs::read(&path).ok()?;
        let hash: [u8; 32] = Sha256::digest(&bytes).into();
        if let Ok(mut seen) = self.manifest.lock() {
            *seen = Some((key, hash));
        }
        Some(hash)
    }
}

/// The shipped operations and those given with `--operation`, checked now so that a bad
/// file is refused at start, not on a request.
fn offered_operations(files: &[PathBuf]) -> Result<Vec<Offered>> {
    let mut offered: Vec<Offered> = tally_operation::Operation::shipped()
        .into_iter()
        .map(|(_, op)| Offered {
            name: op.name,
            title: op.title,
            file: None,
        })
        .collect();
    for file in files {
        let op = tally_operation::Operation::read(file)
            .with_context(|| format!("--operation {}", file.display()))?;
        if offered.iter().any(|o| o.name == op.name) {
            anyhow::bail!(
                "--operation {}: an operation named {:?} is already offered; give the file another `name`",
                file.display(),
                op.name
            );
        }
        offered.push(Offered {
            name: op.name,
            title: op.title,
            file: Some(file.clone()),
        });
    }
    Ok(offered)
}

/// Runs the server until interrupted (Ctrl-C), printing `listening on http://ADDR` first.
///
/// # Errors
/// No store at `--store`, an address that cannot be bound.
pub fn run(args: Args, out: &mut dyn Write) -> Result<ExitCode> {
    // Requests share the decoded manifest and rollups, checked against the files' stamps
    // on every read (`tally_store::cache`).
    tally_store::cache::enable(tally_store::cache::DEFAULT_LIMIT_BYTES);
    // Refuse a missing store now rather than on every request.
    tally_store::Store::open(&args.store)?;
    let served = Arc::new(Served {
        store: args.store.clone(),
        suppress_below: args.suppress_below,
        max_groups: args.max_groups,
        timeout: Duration::from_secs(args.timeout),
        operations: offered_operations(&args.operations)?,
        cache: std::sync::Mutex::new(ResponseCache::default()),
        manifest: std::sync::Mutex::new(None),
        running: Arc::new(tokio::sync::Semaphore::new(tally_store::cores())),
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the server's runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.bind)
            .await
            .with_context(|| format!("binding {}", args.bind))?;
        let addr = listener.local_addr()?;
        writeln!(
            out,
            "listening on http://{addr} (store {})",
            args.store.display()
        )?;
        out.flush()?;
        axum::serve(listener, router(served))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .context("serving")?;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

fn router(served: Arc<Served>) -> Router {
    Router::new()
        .route("/", get(dashboard))
        .route("/openapi.json", get(openapi_json))
        .route("/status", get(status))
        .route("/status.json", get(status))
        .route("/fields/{table}", get(fields))
        .route("/operations", get(operations))
        .route("/operations.json", get(operations))
        .route("/operations/{name}", get(operation))
        .route("/count/{table}", get(count))
        .route("/map/{table}", get(map))
        .route("/compare/{a}/{b}", get(compare))
        .fallback(not_found)
        .method_not_allowed_fallback(not_allowed)
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(axum::middleware::from_fn(log_request))
        .with_state(served)
}

/// Logs every request on stderr, whatever its answer: method, path and query, status,
/// and the server's time (`serve: GET /count/arrests.csv?by=fy -> 200 in 4 ms`).
async fn log_request(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let mut pending = Unanswered {
        asked: format!("{} {}", request.method(), request.uri()),
        started: Instant::now(),
        answered: false,
    };
    let response = next.run(request).await;
    pending.answered = true;
    crate::warn!(
        "serve: {} -> {} in {} ms",
        pending.asked,
        response.status().as_u16(),
        pending.started.elapsed().as_millis()
    );
    response
}

/// A request being answered: logged as given up if dropped before its answer (the
/// client went away), so that the log still lists every request.
struct Unanswered {
    asked: String,
    started: Instant,
    answered: bool,
}

impl Drop for Unanswered {
    fn drop(&mut self) {
        if !self.answered {
            crate::warn!(
                "serve: {} -> client went away after {} ms (its work asked to stop)",
                self.asked,
                self.started.elapsed().as_millis()
            );
        }
    }
}

/// The representation a path asks for by its suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Twin {
    Html,
    Json,
    Csv,
}

/// Splits `arrests.json` into (`arrests`, Json).
fn twin(segment: &str) -> (String, Twin) {
    if let Some(s) = segment.strip_suffix(".json") {
        (s.to_string(), Twin::Json)
    } else if let Some(s) = segment.strip_suffix(".csv") {
        (s.to_string(), Twin::Csv)
    } else {
        (segment.to_string(), Twin::Html)
    }
}

/// A 4xx (or 5xx) answer to a view, in the view's kind: a page saying what went wrong
/// for a page (`html`), else [`error`]'s JSON.
fn view_error(html: bool, status: StatusCode, parameter: &str, message: &str) -> Response {
    if !html {
        return error(status, parameter, message);
    }
    let body = super::serve_page::page(
        &format!(
            "{} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("error")
        ),
        &format!(
            "<p>{}</p><p class=\"note\">About: <code>{}</code>. <a href=\"/\">Back to the dashboard</a></p>",
            super::serve_page::escape(message.trim()),
            super::serve_page::escape(parameter)
        ),
    );
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

/// A 4xx (or 5xx) answer: JSON naming the parameter at fault.
fn error(status: StatusCode, parameter: &str, message: &str) -> Response {
    let body = json!({"error": message.trim(), "parameter": parameter, "status": status.as_u16()});
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

async fn not_allowed() -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "method",
        "read-only: only GET and HEAD",
    )
}

async fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "path",
        "no such view; see /openapi.json for the routes",
    )
}

/// The store's generation tag for one view: the SHA-256 of the manifest (a new
/// generation is a new manifest, written atomically), the view's command line, the
/// server's threshold and the representation (a page and its JSON twin run one command).
fn etag(served: &Served, argv: &[String], representation: &str) -> Option<String> {
    let generation = served.generation()?;
    let mut h = Sha256::new();
    h.update(generation);
    h.update(argv.join("\u{1}").as_bytes());
    h.update(served.suppress_below.to_le_bytes());
    h.update(representation.as_bytes());
    // Weak: the same tag stands for the body gzip-compressed or not (the compression
    // layer encodes it after the tag is set), which a strong tag must not.
    Some(format!("W/\"{}\"", hex(&h.finalize()[..12])))
}

/// True when an If-None-Match header names `tag` (a list, weak tags and `*` included).
fn matches_tag(header: &HeaderValue, tag: &str) -> bool {
    header.to_str().is_ok_and(|v| {
        v.split(',')
            .map(str::trim)
            .any(|t| t == "*" || t.trim_start_matches("W/") == tag.trim_start_matches("W/"))
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Bodies already answered, by ETag: a tag names one store generation, command line,
/// threshold and representation, so a hit is the same bytes the command would print
/// again. Bounded in bytes; the oldest entry goes first.
#[derive(Default)]
struct ResponseCache {
    bodies: std::collections::HashMap<String, Bytes>,
    order: std::collections::VecDeque<String>,
    bytes: usize,
}

/// Bytes of response bodies the server keeps (a body over a sixteenth of it is not kept).
const CACHE_BYTES: usize = 64 << 20;

impl ResponseCache {
    fn get(&self, tag: &str) -> Option<Bytes> {
        self.bodies.get(tag).cloned()
    }

    fn put(&mut self, tag: String, body: Bytes) {
        if body.len() > CACHE_BYTES / 16 || self.bodies.contains_key(&tag) {
            return;
        }
        while self.bytes + body.len() > CACHE_BYTES {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            if let Some(b) = self.bodies.remove(&old) {
                self.bytes -= b.len();
            }
        }
        self.bytes += body.len();
        self.order.push_back(tag.clone());
        self.bodies.insert(tag, body);
    }
}

/// A view's answer: its body, whether the response cache gave it, and where a count's
/// time went when one ran.
struct Answered {
    body: Bytes,
    cached: bool,
    timing: Option<tally_query::count::CountTiming>,
}

/// Runs a command line in-process (off the async threads, bounded by the server's time
/// limit) and renders its output, or answers from the cache when the same tag was
/// answered before. `Err` is the response to send instead.
async fn run_rendered<R>(
    served: &Arc<Served>,
    argv: &[String],
    tag: Option<&str>,
    html: bool,
    render: R,
) -> Result<Answered, Response>
where
    R: FnOnce(&[u8], &[String]) -> Result<Vec<u8>, String> + Send + 'static,
{
    if let Some(hit) = tag.and_then(|t| served.cache.lock().ok()?.get(t)) {
        return Ok(Answered {
            body: hit,
            cached: true,
            timing: None,
        });
    }
    let command = argv.to_vec();
    let (cache, cache_tag) = (Arc::clone(served), tag.map(str::to_string));
    let work = run_within(&served.running, served.timeout, move || {
        // The same view asked for while this one waited for a slot may have been
        // answered meanwhile: a burst of one URL (a shared link, a page's chart after a
        // new ingest) is computed by the requests that found a slot first, not by every
        // one queued behind them.
        if let Some(hit) = cache_tag
            .as_deref()
            .and_then(|t| cache.cache.lock().ok()?.get(t))
        {
            return Ok((hit, None, true));
        }
        let mut out = Vec::new();
        // Only this command's count is timed, not one an earlier request left behind.
        tally_query::count::take_count_timing();
        match crate::run_argv(&command, &mut out) {
            Ok(_) => render(&out, &command)
                .map(|body| {
                    // A view running several counts (an operation) is not timed so.
                    let timing = tally_query::count::take_count_timing()
                        .filter(|_| command.first().is_some_and(|c| c == "count"));
                    let body = Bytes::from(body);
                    // Kept before the slot is given back, so that a request waiting for
                    // it finds the answer.
                    if let (Some(tag), Ok(mut kept)) = (cache_tag, cache.cache.lock()) {
                        kept.put(tag, body.clone());
                    }
                    (body, timing, false)
                })
                .map_err(|m| ("by".to_string(), m, false)),
            Err(e) => Err((parameter_of(&e.message, &command), e.message, e.store_fault)),
        }
    });
    let body = match work.await {
        None => {
            return Err(view_error(
                html,
                StatusCode::SERVICE_UNAVAILABLE,
                "query",
                &format!(
                    "the request took longer than {} s; narrow it (fewer groups, a shorter date range)",
                    served.timeout.as_secs()
                ),
            ));
        }
        Some(Err(_)) => {
            return Err(view_error(
                html,
                StatusCode::INTERNAL_SERVER_ERROR,
                "query",
                "the request failed",
            ));
        }
        Some(Ok(Err((_, message, true)))) => {
            return Err(view_error(
                html,
                StatusCode::INTERNAL_SERVER_ERROR,
                "store",
                &message,
            ));
        }
        Some(Ok(Err((parameter, message, false)))) => {
            return Err(view_error(
                html,
                StatusCode::BAD_REQUEST,
                &parameter,
                &message,
            ));
        }
        Some(Ok(Ok(answer))) => answer,
    };
    let (body, timing, cached) = body;
    Ok(Answered {
        body,
        cached,
        timing,
    })
}

/// Runs `work` on a blocking thread once one of the server's `running` slots is free,
/// bounded by `limit` (the wait for a slot included); `None` when the limit passed first.
/// The slot is held until `work` ends, and a request past its limit asks `work` to stop
/// (a [`tally_store::cancel::StopFlag`] installed on its thread, which the store's scans
/// watch): it then ends at its next batch instead of holding a core and a slot until it
/// would have finished, which let a few slow requests starve every later one.
async fn run_within<T: Send + 'static>(
    running: &Arc<tokio::sync::Semaphore>,
    limit: Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> Option<Result<T, tokio::task::JoinError>> {
    let stop = tally_store::cancel::StopFlag::new();
    let watched = stop.clone();
    // A client that goes away drops this future: the work is asked to stop then too, or
    // it would keep a core and a slot for as long as it runs, past the time limit, while
    // later requests wait and time out behind it.
    let mut dropped = StopWhenDropped(Some(stop.clone()));
    let run = async {
        let permit = Arc::clone(running).acquire_owned().await;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let _watching = watched.install();
            work()
        })
        .await
    };
    let done = tokio::time::timeout(limit, run).await.ok();
    if done.is_none() {
        stop.raise();
    }
    dropped.0 = None;
    done
}

/// Raises its flag when dropped while still holding it.
struct StopWhenDropped(Option<tally_store::cancel::StopFlag>);

impl Drop for StopWhenDropped {
    fn drop(&mut self) {
        if let Some(flag) = self.0.take() {
            flag.raise();
        }
    }
}

/// Runs a command line for a view, bounded in time, and answers it with the ETag of the
/// store's generation (304 when the client already has it).
async fn view<R>(
    served: Arc<Served>,
    headers: &HeaderMap,
    argv: Vec<String>,
    content_type: &'static str,
    render: R,
) -> Response
where
    R: FnOnce(&[u8], &[String]) -> Result<Vec<u8>, String> + Send + 'static,
{
    let started = Instant::now();
    let tag = etag(&served, &argv, content_type);
    if let (Some(tag), Some(seen)) = (&tag, headers.get(header::IF_NONE_MATCH))
        && matches_tag(seen, tag)
    {
        // The headers the 200 would carry that a cache needs (RFC 9110 15.4.5): the
        // tag, the cache policy, and that the body varies by encoding (the compression
        // layer adds Vary only to bodies it compresses).
        let mut r = StatusCode::NOT_MODIFIED.into_response();
        let h = r.headers_mut();
        if let Ok(v) = HeaderValue::from_str(tag) {
            h.insert(header::ETAG, v);
        }
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        return r;
    }
    let html = content_type.starts_with("text/html");
    let Answered {
        body,
        cached,
        timing: count_timing,
    } = match run_rendered(&served, &argv, tag.as_deref(), html, render).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    let took = started.elapsed();
    let mut response = Response::new(Body::from(body));
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Some(tag) = tag.and_then(|t| HeaderValue::from_str(&t).ok()) {
        h.insert(header::ETAG, tag);
    }
    if let Ok(v) = HeaderValue::from_str(&command_line(&argv)) {
        h.insert("x-tally-command", v);
    }
    // The server's own time for the request (W3C Server-Timing, milliseconds), apart
    // from the network's: what a client measures less what the connection added.
    let mut timing = format!(
        "tally;dur={:.3};desc=\"{}\"",
        took.as_secs_f64() * 1000.0,
        if cached { "response cache" } else { "computed" }
    );
    // A count's own share of it, and of that the scan of the rows or rollups (the
    // kernel the benchmark holds against the memory-bandwidth floor).
    if let Some(t) = count_timing {
        timing.push_str(&format!(
            ", count;dur={:.3};desc=\"count\", scan;dur={:.3};desc=\"scan\"",
            t.total.as_secs_f64() * 1000.0,
            t.scan.as_secs_f64() * 1000.0
        ));
    }
    if let Ok(v) = HeaderValue::from_str(&timing) {
        h.insert("server-timing", v);
    }
    response
}

/// The query parameter an error of command line `argv` is about: a filter's own name
/// (`?foo=bar` runs `--where=foo=bar`; "unknown dimension \"foo\"" is about `foo`, not
/// `by`), else the one [`parameter_named`] finds.
fn parameter_of(message: &str, argv: &[String]) -> String {
    let unknown = message
        .split_once("unknown dimension \"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(name, _)| name);
    // `--where aor="XYZ" can never match`: the URL's parameter is `aor`.
    let filtered = message
        .split_once("--where ")
        .and_then(|(_, rest)| rest.split_once('='))
        .map(|(name, _)| name);
    for name in [unknown, filtered].into_iter().flatten() {
        if argv.iter().any(|a| {
            a.strip_prefix("--where=")
                .is_some_and(|w| w.split_once('=').is_some_and(|(d, _)| d == name))
        }) {
            return name.to_string();
        }
    }
    // The parameter whose own words the message opens with or quotes: a filter's dimension
    // (`?unique_identifier=x` refused as a person identifier), a `by` dimension
    // (`?by=departed_date`), or a value (`?dedup=bogus`), rather than an option the
    // message mentions in passing (`use --from/--to` for a date field).
    for a in argv {
        let Some((option, value)) = a.strip_prefix("--").and_then(|r| r.split_once('=')) else {
            continue;
        };
        let (name, words): (&str, Vec<&str>) = match option {
            "where" => match value.split_once('=') {
                Some((dimension, _)) => (dimension, vec![dimension]),
                None => continue,
            },
            "store" | "format" | "suppress-below" => continue,
            _ => (option, value.split(',').collect()),
        };
        if words.iter().any(|w| names_word(message, w)) {
            return name.to_string();
        }
    }
    parameter_named(message).to_string()
}

/// True where an error message is about `word`: it opens with it (`departed_date is a
/// date: ...`) or quotes it (`unknown scheme "bogus"`), not where it merely uses a word
/// that is also a dimension's name (`... is not a date`).
fn names_word(message: &str, word: &str) -> bool {
    let word = word.trim();
    !word.is_empty()
        && (message.starts_with(&format!("{word} "))
            || message.contains(&format!("\"{word}\""))
            || message.contains(&format!("'{word}'")))
}

/// The parameter an error message is about, when it names one.
fn parameter_named(message: &str) -> &'static str {
    for (needle, name) in [
        ("--by", "by"),
        ("--where", "where"),
        ("--from", "from"),
        ("--to", "to"),
        ("--release", "release"),
        ("unknown table", "table"),
        ("dimension", "by"),
        ("--per-capita", "per-capita"),
        ("--policy", "policy"),
        ("no release matches", "release"),
        ("is ambiguous", "release"),
        ("--scheme", "scheme"),
        ("--dedup", "dedup"),
        ("no Tally store", "store"),
    ] {
        if message.contains(needle) {
            return name;
        }
    }
    "query"
}

/// The command line a view runs, as a user would type it (`--store` left out).
/// The command line a view runs, for pages.
pub fn command_line_for(argv: &[String]) -> String {
    command_line(argv)
}

fn command_line(argv: &[String]) -> String {
    let mut words = vec!["tally".to_string()];
    let mut skip = false;
    for (i, a) in argv.iter().enumerate() {
        if skip {
            skip = false;
            continue;
        }
        // The store is the server's; the format is the URL's suffix; 10 is the default;
        // the server's group limit changes no answer it gives.
        let next = argv.get(i + 1).map(String::as_str);
        if a.starts_with("--max-groups=") {
            continue;
        }
        if a == "--store"
            || a == "--format"
            || a == "--max-groups"
            || (a == "--suppress-below" && next == Some("10"))
        {
            skip = true;
            continue;
        }
        // `--by=fy` as typed: `--by fy`.
        let (flag, value) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (Some(f), v),
            _ => (None, a.as_str()),
        };
        if let Some(f) = flag {
            words.push(f.to_string());
        }
        words.push(super::count::shell_word(value));
    }
    words.join(" ")
}

fn as_is(body: &[u8], _: &[String]) -> Result<Vec<u8>, String> {
    Ok(body.to_vec())
}

/// Query parameters in order, percent-decoded (`+` as space).
fn params(raw: Option<String>) -> Vec<(String, String)> {
    let raw = raw.unwrap_or_default();
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(
                    std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"),
                    16,
                ) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The parameters of `/count/{table}` that are options of `tally count` rather than
/// filters of a dimension.
const COUNT_PARAMETERS: [&str; 8] = [
    "by",
    "from",
    "to",
    "release",
    "scheme",
    "dedup",
    "per-capita",
    "policy",
];

/// Checks the parameters of a count or map view before they become a command line:
/// `(parameter, message)` for the first wrong one. The form's empty fields are no filter
/// (`count_query` drops them), but an empty parameter that names no dimension of the
/// table, or none at all (`?=x`), is an error like any unknown one, not quietly ignored;
/// a repeated filter lists alternatives (`aor=CHI&aor=NYC` is `aor=CHI,NYC`), but an
/// option that takes one value given twice (`from`) is refused.
fn check_count_parameters(table: &str, given: &[(String, String)]) -> Result<(), (String, String)> {
    for (k, v) in given {
        if k.trim().is_empty() {
            return Err((
                String::new(),
                format!("a parameter without a name (={v}): give DIM=VALUE, such as aor=CHI"),
            ));
        }
        // Percent-decoded bytes that are not UTF-8 text (decoded to U+FFFD) or that hold
        // control characters would be counted as some other value than was sent, and
        // could not be printed back in the command line that reproduces the view.
        if [k, v]
            .iter()
            .any(|t| t.chars().any(|c| c.is_control() || c == '\u{FFFD}'))
        {
            return Err((
                k.clone(),
                format!("{k:?} holds a control character or bytes that are not UTF-8 text"),
            ));
        }
    }
    for single in ["from", "to", "scheme", "dedup", "per-capita", "policy"] {
        let times = given
            .iter()
            .filter(|(k, v)| k == single && !v.trim().is_empty())
            .count();
        if times > 1 {
            return Err((
                single.to_string(),
                format!("{single} is given {times} times; it takes one value"),
            ));
        }
    }
    // A parameter left empty filters nothing, but one naming no dimension is a typo the
    // user should hear about (a filled one fails in the count itself).
    let names_dimension = |k: &str| -> Result<(), String> {
        match TableKind::from_slug(table) {
            Some(kind) => tally_query::Dimension::parse(kind, k).map(|_| ()),
            None => tally_query::stays::StayDimension::parse(k)
                .map(|_| ())
                .map_err(|e| e.to_string()),
        }
    };
    for (k, v) in given {
        let fixed = COUNT_PARAMETERS.contains(&k.as_str())
            || super::serve_form::FORM_ONLY.contains(&k.as_str());
        if v.trim().is_empty()
            && !fixed
            && let Err(message) = names_dimension(k)
        {
            return Err((k.clone(), message));
        }
    }
    Ok(())
}

/// The `tally count` command line for `/count/{table}` and its query parameters:
/// `by`, `from`, `to`, `release` (repeatable), `scheme`, `dedup`, `per-capita`,
/// `policy`; any other parameter filters a dimension (`aor=CHI,NYC`).
fn count_argv(
    served: &Served,
    table: &str,
    query: &[(String, String)],
    format: &str,
) -> Vec<String> {
    let mut argv = vec![
        "count".to_string(),
        table.to_string(),
        "--store".to_string(),
        served.store.display().to_string(),
        "--format".to_string(),
        format.to_string(),
        "--suppress-below".to_string(),
        served.suppress_below.to_string(),
        format!("--max-groups={}", served.max_groups),
    ];
    // `--flag=value`, so that a value is never read as an option ("from=-0001-01-01").
    // An empty field of the dashboard's form is no filter.
    for (k, v) in query
        .iter()
        .filter(|(k, v)| !k.is_empty() && !v.trim().is_empty())
    {
        match k.as_str() {
            k if COUNT_PARAMETERS.contains(&k) => argv.push(format!("--{k}={v}")),
            dim => argv.push(format!("--where={dim}={v}")),
        }
    }
    argv
}

async fn count(
    State(served): State<Arc<Served>>,
    Path(table): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let (table, twin) = twin(&table);
    // A path naming no table names no resource: 404, as /fields and /map answer.
    if !known_table(&table) && table != "detention-stays" {
        return error(
            StatusCode::NOT_FOUND,
            "table",
            &format!(
                "unknown table {table:?}; expected one of {}, detention-stays",
                tally_model::TableKind::slugs()
            ),
        );
    }
    let given = params(raw);
    if let Err((parameter, message)) = check_count_parameters(&table, &given) {
        let html = matches!(twin, Twin::Html);
        return view_error(html, StatusCode::BAD_REQUEST, &parameter, &message);
    }
    let query = super::serve_form::count_query(&given, |_| true);
    match twin {
        Twin::Csv => {
            let argv = count_argv(&served, &table, &query, "csv");
            view(served, &headers, argv, "text/csv; charset=utf-8", as_is).await
        }
        Twin::Json => {
            let argv = count_argv(&served, &table, &query, "json");
            view(served, &headers, argv, "application/json", bounded).await
        }
        Twin::Html => {
            let argv = count_argv(&served, &table, &query, "json");
            let choices = choices(&served, &table).await;
            view(
                served,
                &headers,
                argv,
                "text/html; charset=utf-8",
                move |body: &[u8], argv: &[String]| {
                    bounded(body, argv)?;
                    let axis = period_axis(argv);
                    super::serve_page::count_page(body, argv, &choices, &query, axis.as_deref())
                },
            )
            .await
        }
    }
}

/// A count's JSON, refused when it has more groups than the server allows (the limit is
/// in the error; the CSV twin streams any size).
fn bounded(body: &[u8], _: &[String]) -> Result<Vec<u8>, String> {
    // The count's JSON holds one group a line inside its "groups" array (stays: "cells";
    // other arrays, such as the releases, hold objects at the same indent).
    let groups = body
        .split(|b| *b == b'\n')
        .skip_while(|l| !l.starts_with(b"  \"groups\": [") && !l.starts_with(b"  \"cells\": ["))
        .skip(1)
        .take_while(|l| !l.starts_with(b"  ]"))
        .filter(|l| l.starts_with(b"    {") || l.starts_with(b"    ,{"))
        .count();
    if groups > MAX_JSON_GROUPS {
        return Err(format!(
            "the count has {groups} groups, more than the {MAX_JSON_GROUPS} a page or JSON view returns: group by fewer dimensions, or use the .csv twin"
        ));
    }
    Ok(body.to_vec())
}

/// The count by a view's period alone (its first dimension, when that is a period and a
/// second follows), for the chart's axis; `None` otherwise or when it fails.
fn period_axis(argv: &[String]) -> Option<Vec<u8>> {
    let at = argv.iter().position(|a| a.starts_with("--by="))?;
    let dims: Vec<&str> = argv[at]["--by=".len()..].split(',').collect();
    if dims.len() < 2 || !super::serve_chart::SERIES.contains(&dims[0]) {
        return None;
    }
    let mut axis = argv.to_vec();
    axis[at] = format!("--by={}", dims[0]);
    let mut out = Vec::new();
    crate::run_argv(&axis, &mut out).ok()?;
    Some(out)
}

/// What the dashboard's form offers for a table: its periods and dimensions, the fiscal
/// years the store holds, and filters (method group, criminality, state) with the values
/// whose counts the store publishes.
async fn choices(served: &Arc<Served>, table: &str) -> super::serve_form::Choices {
    let dims: Vec<String> = tally_model::TableKind::from_slug(table)
        .map(|t| {
            tally_query::Dimension::all(t)
                .into_iter()
                .map(|d| d.name())
                .collect()
        })
        .unwrap_or_default();
    let has = |d: &str| dims.iter().any(|x| x == d);
    let series: Vec<String> = ["month", "week", "fy", "date"]
        .into_iter()
        .filter(|d| has(d))
        .map(String::from)
        .collect();
    let splits: Vec<String> = dims
        .iter()
        .filter(|d| !series.contains(d))
        .cloned()
        .collect();
    let fys = if has("fy") {
        published_values(served, table, "fy").await
    } else {
        Vec::new()
    };
    let mut filters = Vec::new();
    if has("method-group") {
        let groups = ["custodial", "at-large", "border", "other"];
        filters.push((
            "method-group".to_string(),
            "Method group".to_string(),
            groups.iter().map(|g| g.to_string()).collect(),
        ));
    }
    for (suffix, label) in [("criminality", "Criminality"), ("state", "State")] {
        if let Some(dim) = dims.iter().find(|d| d.ends_with(suffix)) {
            let values = published_values(served, table, dim).await;
            if !values.is_empty() {
                filters.push((dim.clone(), label.to_string(), values));
            }
        }
    }
    super::serve_form::Choices {
        table: table.to_string(),
        series,
        splits,
        fys,
        filters,
    }
}

/// The values of a dimension whose counts the store publishes (at or above the server's
/// threshold; blank and withheld left out), at most 200, from `tally count --by DIM`.
async fn published_values(served: &Arc<Served>, table: &str, dim: &str) -> Vec<String> {
    let argv = count_argv(served, table, &[("by".into(), dim.into())], "json");
    let tag = etag(served, &argv, "values");
    let Ok(Answered { body, .. }) = run_rendered(served, &argv, tag.as_deref(), false, as_is).await
    else {
        return Vec::new();
    };
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let mut values: Vec<String> = v["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|g| g["count"].as_u64().is_some_and(|n| n > 0))
        .filter_map(|g| g[dim].as_str())
        .filter(|value| !value.starts_with('('))
        .map(String::from)
        .collect();
    values.truncate(200);
    values
}

/// True for a table of the catalog (a path segment is never passed on otherwise: one
/// starting with `-` would be read as an option).
fn known_table(name: &str) -> bool {
    tally_model::TableKind::from_slug(name).is_some_and(|t| t.slug() == name)
}

/// Most groups a `.json` count view returns.
const MAX_JSON_GROUPS: usize = 20_000;

/// `/map/{table}`: the count by AOR (`--by aor`, or `aor,fy` with `per-capita`, which
/// needs one `fy`) drawn on the AOR map.
async fn map(
    State(served): State<Arc<Served>>,
    Path(table): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    if !known_table(&table) {
        return error(
            StatusCode::NOT_FOUND,
            "table",
            &format!("no table {table:?}"),
        );
    }
    let given = params(raw);
    if let Err((parameter, message)) = check_count_parameters(&table, &given) {
        return view_error(true, StatusCode::BAD_REQUEST, &parameter, &message);
    }
    // The map is by AOR (and FY for a rate): a `by` of the client's would be dropped.
    if given.iter().any(|(k, _)| k == "by") {
        return view_error(
            true,
            StatusCode::BAD_REQUEST,
            "by",
            "the map is by AOR and takes no by (filter instead: fy=FY2019, method-group=at-large)",
        );
    }
    // Filters as `/count` reads them: a repeated one lists alternatives, empty ones are
    // no filter.
    let mut query: Vec<(String, String)> = super::serve_form::count_query(&given, |_| true)
        .into_iter()
        .filter(|(k, _)| k != "by")
        .collect();
    let per_capita = query
        .iter()
        .any(|(k, v)| k == "per-capita" && !v.is_empty());
    if per_capita {
        let one_fy = query.iter().filter(|(k, _)| k == "fy").count() == 1
            && query.iter().any(|(k, v)| k == "fy" && !v.contains(','));
        if !one_fy {
            return view_error(
                true,
                StatusCode::BAD_REQUEST,
                "fy",
                "a per-capita map is of one fiscal year: add fy=FY2019 (for example)",
            );
        }
        query.push(("by".into(), "aor,fy".into()));
    } else {
        query.push(("by".into(), "aor".into()));
    }
    let argv = count_argv(&served, &table, &query, "json");
    view(
        served,
        &headers,
        argv,
        "text/html; charset=utf-8",
        super::serve_page::map_page,
    )
    .await
}

/// A command with a terminal report: its `--format json` for a `.json` URL, else its
/// text in a page.
async fn report_view(
    served: Arc<Served>,
    headers: &HeaderMap,
    mut argv: Vec<String>,
    json: bool,
) -> Response {
    argv.push("--format".into());
    argv.push(if json { "json" } else { "table" }.into());
    if json {
        view(served, headers, argv, "application/json", as_is).await
    } else {
        view(
            served,
            headers,
            argv,
            "text/html; charset=utf-8",
            super::serve_page::text_page,
        )
        .await
    }
}

async fn status(
    State(served): State<Arc<Served>>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    RawQuery(raw): RawQuery,
) -> Response {
    let json = uri.path().ends_with(".json");
    if let Some(refused) = unknown_parameters(raw, &[], !json) {
        return refused;
    }
    // Clients see the store's name, not where it lies on the server.
    let name = served
        .store
        .file_name()
        .map_or_else(|| "store".to_string(), |n| n.to_string_lossy().into_owned());
    let argv = vec![
        "status".into(),
        "--store".into(),
        served.store.display().to_string(),
        "--store-shown-as".into(),
        name,
    ];
    report_view(served, &headers, argv, json).await
}

async fn fields(
    State(served): State<Arc<Served>>,
    Path(table): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let (table, twin) = twin(&table);
    if twin == Twin::Csv {
        return not_found().await;
    }
    if let Some(refused) = unknown_parameters(raw, &[], twin == Twin::Html) {
        return refused;
    }
    if !known_table(&table) {
        return error(
            StatusCode::NOT_FOUND,
            "table",
            &format!(
                "no table {table:?}; tables: {}",
                tally_model::TableKind::slugs()
            ),
        );
    }
    let json = twin == Twin::Json;
    let argv = vec!["fields".into(), table];
    report_view(served, &headers, argv, json).await
}

async fn operations(
    State(served): State<Arc<Served>>,
    uri: axum::http::Uri,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Some(refused) =
        unknown_parameters(raw.clone(), &["name"], !uri.path().ends_with(".json"))
    {
        return refused;
    }
    // The picker's form: GET /operations?name=X goes to the operation's page.
    if let Some((_, name)) = params(raw).into_iter().find(|(k, _)| k == "name") {
        if !served.operations.iter().any(|o| o.name == name) {
            return error(
                StatusCode::NOT_FOUND,
                "name",
                &format!("no operation {name:?}; see /operations"),
            );
        }
        let location = format!("/operations/{}", super::serve_page::encode(&name));
        return (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response();
    }
    let list: Vec<serde_json::Value> = served
        .operations
        .iter()
        .map(|o| {
            json!({
                "name": o.name,
                "title": o.title,
                "url": format!("/operations/{}", super::serve_page::encode(&o.name)),
                "shipped": o.file.is_none(),
            })
        })
        .collect();
    if uri.path().ends_with(".json") {
        (
            [(header::CONTENT_TYPE, "application/json")],
            json!({"operations": list}).to_string(),
        )
            .into_response()
    } else {
        (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            super::serve_page::operations_page(&list),
        )
            .into_response()
    }
}

async fn operation(
    State(served): State<Arc<Served>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let (name, twin) = twin(&name);
    if twin == Twin::Csv {
        return not_found().await;
    }
    if let Some(refused) = unknown_parameters(raw, &[], twin == Twin::Html) {
        return refused;
    }
    // Only offered operations: a path on the server's disk is not the client's to name.
    let Some(offered) = served.operations.iter().find(|o| o.name == name) else {
        return error(
            StatusCode::NOT_FOUND,
            "name",
            &format!("no operation {name:?}; see /operations"),
        );
    };
    let target = offered
        .file
        .as_ref()
        .map_or_else(|| name.clone(), |f| f.display().to_string());
    let argv = vec![
        "operation".into(),
        "run".into(),
        target,
        "--store".into(),
        served.store.display().to_string(),
        "--format".into(),
        if twin == Twin::Json { "json" } else { "html" }.into(),
    ];
    if twin == Twin::Json {
        view(served, &headers, argv, "application/json", as_is).await
    } else {
        view(
            served,
            &headers,
            argv,
            "text/html; charset=utf-8",
            super::serve_page::report_page,
        )
        .await
    }
}

async fn compare(
    State(served): State<Arc<Served>>,
    Path((a, b)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let (b, twin) = twin(&b);
    if let Some(refused) = unknown_parameters(raw, &[], twin == Twin::Html) {
        return refused;
    }
    if a.starts_with('-') || b.starts_with('-') {
        return error(
            StatusCode::BAD_REQUEST,
            "release",
            "a release is named by its file name, id or SHA-256 prefix",
        );
    }
    let format = match twin {
        Twin::Json => "json",
        Twin::Csv => "csv",
        Twin::Html => "table",
    };
    let argv = vec![
        "compare-releases".into(),
        a,
        b,
        "--store".into(),
        served.store.display().to_string(),
        "--format".into(),
        format.into(),
        "--suppress-below".into(),
        served.suppress_below.to_string(),
    ];
    match twin {
        Twin::Json => view(served, &headers, argv, "application/json", as_is).await,
        Twin::Csv => view(served, &headers, argv, "text/csv; charset=utf-8", as_is).await,
        Twin::Html => {
            view(
                served,
                &headers,
                argv,
                "text/html; charset=utf-8",
                super::serve_page::text_page,
            )
            .await
        }
    }
}

/// A 400 naming the first query parameter a view does not take (`?dedup=exact` on a
/// status page would otherwise be quietly ignored, and read as applied), or `None`.
fn unknown_parameters(raw: Option<String>, takes: &[&str], html: bool) -> Option<Response> {
    let (name, _) = params(raw)
        .into_iter()
        .find(|(k, _)| !takes.contains(&k.as_str()))?;
    let message = if takes.is_empty() {
        format!("this view takes no parameters (got {name:?})")
    } else {
        format!("this view takes only {} (got {name:?})", takes.join(", "))
    };
    Some(view_error(html, StatusCode::BAD_REQUEST, &name, &message))
}

async fn dashboard(State(served): State<Arc<Served>>, RawQuery(raw): RawQuery) -> Response {
    // The form, submitted, arrives here with its table: send it on to the count it asks
    // for, whose URL is the permalink.
    let form = params(raw);
    if let Some((_, table)) = form.iter().find(|(k, _)| k == "table") {
        if !known_table(table) && table != "detention-stays" {
            return error(
                StatusCode::BAD_REQUEST,
                "table",
                &format!("unknown table {table:?}"),
            );
        }
        let kind = tally_model::TableKind::from_slug(table).filter(|_| known_table(table));
        let has_dimension = |d: &str| {
            kind.is_none_or(|kind| match d {
                "from" | "to" => !kind.def().reference,
                _ => tally_query::Dimension::parse(kind, d).is_ok(),
            })
        };
        let rest: Vec<String> = super::serve_form::count_query(&form, has_dimension)
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    super::serve_page::encode(k),
                    super::serve_page::encode(v)
                )
            })
            .collect();
        let location = if rest.is_empty() {
            format!("/count/{table}")
        } else {
            format!("/count/{table}?{}", rest.join("&"))
        };
        return (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response();
    }
    let choices = choices(&served, "arrests").await;
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        super::serve_page::dashboard(&served.store, &choices),
    )
        .into_response()
}

async fn openapi_json() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        openapi().to_string(),
    )
        .into_response()
}

/// The OpenAPI 3.1 document of the routes (a test checks every route against it).
pub fn openapi() -> serde_json::Value {
    let twin_ok = |desc: &str| json!({"200": {"description": desc}, "304": {"description": "not modified (ETag)"}, "400": {"description": "bad request: JSON {error, parameter}"}, "404": {"description": "no such table or operation: JSON {error, parameter}"}, "503": {"description": "took too long"}});
    let param = |name: &str, place: &str, desc: &str| json!({"name": name, "in": place, "required": place == "path", "description": desc, "schema": {"type": "string"}});
    let count_params = vec![
        param(
            "table",
            "path",
            "table slug, with .json or .csv for the twins (arrests.json)",
        ),
        param(
            "by",
            "query",
            "dimensions, comma-separated (fy,method-group)",
        ),
        param("from", "query", "first event date, YYYY-MM-DD"),
        param("to", "query", "last event date, YYYY-MM-DD"),
        param(
            "release",
            "query",
            "a release (file name, its tail, id or SHA-256 prefix)",
        ),
        param(
            "scheme",
            "query",
            "a method-group scheme other than the default (see tally fields)",
        ),
        param(
            "dedup",
            "query",
            "a de-duplication rule (exact, ...; see the README's Duplicates)",
        ),
        param(
            "per-capita",
            "query",
            "total, foreign-born, noncitizen or undocumented",
        ),
        param(
            "policy",
            "query",
            "with by=policy: sanctuary, 287g or secure-communities",
        ),
        param(
            "{dimension}",
            "query",
            "any other parameter filters a dimension: aor=CHI,NYC",
        ),
    ];
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Tally", "version": env!("CARGO_PKG_VERSION"), "description": "Read-only views of a Tally store; each is a `tally` command line, named in the X-Tally-Command header."},
        "paths": {
            "/": {"get": {"summary": "dashboard", "responses": {"200": {"description": "HTML"}}}},
            "/openapi.json": {"get": {"summary": "this document", "responses": {"200": {"description": "JSON"}}}},
            "/status": {"get": {"summary": "tally status (HTML)", "responses": twin_ok("HTML")}},
            "/status.json": {"get": {"summary": "tally status --format json", "responses": twin_ok("JSON")}},
            "/fields/{table}": {"get": {"summary": "tally fields TABLE (HTML, or .json)", "parameters": [param("table", "path", "table slug, .json for JSON")], "responses": twin_ok("HTML or JSON")}},
            "/operations": {"get": {"summary": "shipped operations (HTML)", "responses": {"200": {"description": "HTML"}}}},
            "/operations.json": {"get": {"summary": "shipped operations", "responses": {"200": {"description": "JSON"}}}},
            "/operations/{name}": {"get": {"summary": "tally operation run NAME (HTML, or .json)", "parameters": [param("name", "path", "a shipped operation, .json for JSON")], "responses": twin_ok("HTML or JSON")}},
            "/count/{table}": {"get": {"summary": "tally count TABLE (HTML page; .json and .csv twins)", "parameters": count_params, "responses": twin_ok("HTML, JSON or CSV")}},
            "/map/{table}": {"get": {"summary": "the count by AOR on a map (HTML): the count's filters, and per-capita with one fy", "parameters": [param("table", "path", "table slug"), param("per-capita", "query", "total, foreign-born, noncitizen or undocumented (with one fy)"), param("{dimension}", "query", "filters, as for /count")], "responses": twin_ok("HTML")}},
            "/compare/{a}/{b}": {"get": {"summary": "tally compare-releases A B (HTML; .json and .csv twins on b)", "parameters": [param("a", "path", "a release"), param("b", "path", "a release, with .json or .csv")], "responses": twin_ok("HTML, JSON or CSV")}},
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stays' JSON holds its groups as "cells": the page and JSON views bound them as a
    /// count's "groups", at exactly the limit; and an empty parameter naming no stays
    /// dimension is refused as it is for a count.
    #[test]
    fn stays_views_are_bounded_and_their_parameters_checked_as_a_count_is() {
        let body = |key: &str, n: usize| {
            let cells: Vec<serde_json::Value> = (0..n)
                .map(|i| serde_json::json!({"values": [format!("F{i}")], "stays": 12}))
                .collect();
            serde_json::to_vec_pretty(&serde_json::json!({key: cells, "releases": [{"id": "x"}]}))
                .unwrap()
        };
        for key in ["cells", "groups"] {
            assert!(bounded(&body(key, MAX_JSON_GROUPS), &[]).is_ok(), "{key}");
            let refused = bounded(&body(key, MAX_JSON_GROUPS + 1), &[]).unwrap_err();
            assert!(
                refused.starts_with(&format!(
                    "the count has {} groups, more than the {MAX_JSON_GROUPS} a page or JSON view returns",
                    MAX_JSON_GROUPS + 1
                )),
                "{refused}"
            );
        }
        let given = |k: &str| vec![(k.to_string(), String::new())];
        let (parameter, message) =
            check_count_parameters("detention-stays", &given("foo")).unwrap_err();
        assert_eq!(parameter, "foo");
        assert!(
            message.contains("unknown dimension for detention-stays \"foo\""),
            "{message}"
        );
        assert!(check_count_parameters("detention-stays", &given("facility")).is_ok());
        assert!(check_count_parameters("arrests", &given("foo")).is_err());
    }

    /// A runtime as the server's, on two threads.
    fn two_thread_runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_time()
            .build()
            .unwrap()
    }

    /// Work past its limit is asked to stop, and its slot comes free soon after, not when
    /// the work would have ended (here: never, unless asked). Run several times: the race
    /// between the limit and the work's checks must come out the same each time.
    #[test]
    fn work_past_its_limit_is_stopped_and_frees_its_slot() {
        two_thread_runtime().block_on(async {
            let running = Arc::new(tokio::sync::Semaphore::new(1));
            for _ in 0..5 {
                let (told, heard) = std::sync::mpsc::channel();
                let answer = run_within(&running, Duration::from_millis(50), move || {
                    let started = Instant::now();
                    while !tally_store::cancel::stop_requested() {
                        assert!(started.elapsed() < Duration::from_secs(30), "never stopped");
                        std::thread::sleep(Duration::from_millis(2));
                    }
                    let _ = told.send(started.elapsed());
                })
                .await;
                assert!(answer.is_none());
                let ran = heard.recv_timeout(Duration::from_secs(5)).unwrap();
                assert!(ran >= Duration::from_millis(40), "{ran:?}");
                // The one slot is free again for the next request.
                let slot = tokio::time::timeout(Duration::from_secs(5), running.acquire()).await;
                assert!(matches!(slot, Ok(Ok(_))));
            }
            // Work within its limit answers, and a thread with no request on it is never
            // asked to stop.
            let answer = run_within(&running, Duration::from_secs(5), || {
                tally_store::cancel::stop_requested()
            })
            .await;
            assert!(matches!(answer, Some(Ok(false))));
            assert!(!tally_store::cancel::stop_requested());
        });
    }

    /// Work whose request was given up (the client went away: the future waiting for it
    /// dropped, long before its limit) is asked to stop, and its slot comes free. Before,
    /// it ran on past the limit, holding a core and the slot, and every later request
    /// waited and timed out behind it. Run several times.
    #[test]
    fn work_whose_client_went_away_is_stopped_and_frees_its_slot() {
        two_thread_runtime().block_on(async {
            let running = Arc::new(tokio::sync::Semaphore::new(1));
            for _ in 0..5 {
                let (started_tx, started_rx) = tokio::sync::oneshot::channel();
                let (told, heard) = std::sync::mpsc::channel();
                let asked = run_within(&running, Duration::from_secs(600), move || {
                    let _ = started_tx.send(());
                    let started = Instant::now();
                    while !tally_store::cancel::stop_requested() {
                        assert!(started.elapsed() < Duration::from_secs(30), "never stopped");
                        std::thread::sleep(Duration::from_millis(2));
                    }
                    let _ = told.send(());
                });
                // The client waits until the work runs, then goes away.
                tokio::select! {
                    _ = asked => panic!("the work ended without being asked to stop"),
                    _ = started_rx => {}
                }
                heard
                    .recv_timeout(Duration::from_secs(5))
                    .expect("the work was asked to stop");
                let slot = tokio::time::timeout(Duration::from_secs(5), running.acquire()).await;
                assert!(matches!(slot, Ok(Ok(_))));
            }
        });
    }

    /// A count whose request was asked to stop ends at its scan with an error saying
    /// so, on one thread and on several; without the flag raised it answers as before.
    #[test]
    fn a_count_asked_to_stop_ends_with_stopped() {
        use clap::Parser;
        let dir = tempfile::tempdir().unwrap();
        let (source, store) = (dir.path().join("source"), dir.path().join("store"));
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<String>>();
        for argv in [
            words(&[
                "tally", "synth", "--table", "arrests", "--rows", "3000", "--seed", "7",
            ])
            .into_iter()
            .chain(["--out".to_string(), source.display().to_string()])
            .collect::<Vec<_>>(),
            vec![
                "tally".to_string(),
                "ingest".to_string(),
                "--store".to_string(),
                store.display().to_string(),
                source.display().to_string(),
            ],
        ] {
            let cli = crate::Cli::try_parse_from(argv).unwrap();
            crate::dispatch(cli.command, &mut Vec::new()).unwrap();
        }
        let count = |extra: &[&str]| {
            let mut argv = words(&["count", "arrests", "--by", "fy,aor", "--store"]);
            argv.push(store.display().to_string());
            argv.extend(words(extra));
            let mut out = Vec::new();
            crate::run_argv(&argv, &mut out).map(|_| String::from_utf8(out).unwrap())
        };
        let answered = count(&["--format", "csv"]).unwrap();
        assert!(answered.starts_with("fy,aor,count"), "{answered}");
        let stop = tally_store::cancel::StopFlag::new();
        stop.raise();
        {
            let _watching = stop.install();
            for extra in [&["--format", "csv"][..], &["--no-rollups"][..]] {
                let e = count(extra).unwrap_err();
                assert!(
                    e.message
                        .contains("stopped: the read was no longer waited for"),
                    "{}",
                    e.message
                );
            }
        }
        assert_eq!(count(&["--format", "csv"]).unwrap(), answered);
    }
}
