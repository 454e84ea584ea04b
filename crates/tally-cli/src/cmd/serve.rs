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
use axum::body::Body;
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
    /// Seconds a request may run before it is answered 503.
    #[arg(long, value_name = "S", default_value_t = 30)]
    pub timeout: u64,
}

/// What every request needs.
struct Served {
    store: PathBuf,
    suppress_below: u64,
    timeout: Duration,
}

/// Runs the server until interrupted (Ctrl-C), printing `listening on http://ADDR` first.
///
/// # Errors
/// No store at `--store`, an address that cannot be bound.
pub fn run(args: Args, out: &mut dyn Write) -> Result<ExitCode> {
    // Refuse a missing store now rather than on every request.
    tally_store::Store::open(&args.store)?;
    let served = Arc::new(Served {
        store: args.store.clone(),
        suppress_below: args.suppress_below,
        timeout: Duration::from_secs(args.timeout.max(1)),
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
        .with_state(served)
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

/// The store's generation tag: the SHA-256 of its manifest (a new generation is a new
/// manifest, written atomically).
fn etag(served: &Served, argv: &[String]) -> Option<String> {
    let bytes = std::fs::read(served.store.join("manifest.json")).ok()?;
    let mut h = Sha256::new();
    h.update(&bytes);
    // The view and the server's threshold are part of what the tag names.
    h.update(argv.join("\u{1}").as_bytes());
    h.update(served.suppress_below.to_le_bytes());
    Some(format!("\"{}\"", hex(&h.finalize()[..12])))
}

/// True when an If-None-Match header names `tag` (a list, weak tags and `*` included).
fn matches_tag(header: &HeaderValue, tag: &str) -> bool {
    header.to_str().is_ok_and(|v| {
        v.split(',')
            .map(str::trim)
            .any(|t| t == "*" || t.trim_start_matches("W/") == tag)
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Turns a command's output (and its command line) into a response body, or refuses it.
type Render = fn(&[u8], &[String]) -> Result<Vec<u8>, String>;

/// Runs a command line for a view, bounded in time, and answers it with the ETag of the
/// store's generation (304 when the client already has it).
async fn view(
    served: Arc<Served>,
    headers: &HeaderMap,
    argv: Vec<String>,
    content_type: &'static str,
    render: Render,
) -> Response {
    let started = Instant::now();
    let tag = etag(&served, &argv);
    if let (Some(tag), Some(seen)) = (&tag, headers.get(header::IF_NONE_MATCH))
        && matches_tag(seen, tag)
    {
        let mut r = StatusCode::NOT_MODIFIED.into_response();
        if let Ok(v) = HeaderValue::from_str(tag) {
            r.headers_mut().insert(header::ETAG, v);
        }
        return r;
    }
    let command = argv.clone();
    let work = tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        crate::run_argv(&command, &mut out).map(|_| out)
    });
    let result = match tokio::time::timeout(served.timeout, work).await {
        Err(_) => {
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "query",
                &format!(
                    "the request took longer than {} s; narrow it (fewer groups, a shorter date range)",
                    served.timeout.as_secs()
                ),
            );
        }
        Ok(Err(_)) => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "query",
                "the request failed",
            );
        }
        Ok(Ok(r)) => r,
    };
    let body = match result {
        Ok(out) => out,
        Err(message) => return error(StatusCode::BAD_REQUEST, parameter_named(&message), &message),
    };
    let body = match render(&body, &argv) {
        Ok(b) => b,
        Err(message) => return error(StatusCode::BAD_REQUEST, "by", &message),
    };
    crate::warn!(
        "serve: {} -> 200 in {} ms",
        argv.join(" "),
        started.elapsed().as_millis()
    );
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
    response
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
        // The store is the server's; the format is the URL's suffix; 10 is the default.
        let next = argv.get(i + 1).map(String::as_str);
        if a == "--store" || a == "--format" || (a == "--suppress-below" && next == Some("10")) {
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
    ];
    // `--flag=value`, so that a value is never read as an option ("from=-0001-01-01").
    // An empty field of the dashboard's form is no filter.
    for (k, v) in query
        .iter()
        .filter(|(k, v)| !k.is_empty() && !v.trim().is_empty())
    {
        match k.as_str() {
            "by" | "from" | "to" | "release" | "scheme" | "dedup" | "per-capita" | "policy" => {
                argv.push(format!("--{k}={v}"));
            }
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
    if !known_table(&table) && table != "detention-stays" {
        return error(
            StatusCode::BAD_REQUEST,
            "table",
            &format!(
                "unknown table {table:?}; expected one of {}, detention-stays",
                tally_model::TableKind::slugs()
            ),
        );
    }
    let query = params(raw);
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
            view(
                served,
                &headers,
                argv,
                "text/html; charset=utf-8",
                bounded_page,
            )
            .await
        }
    }
}

/// A count's JSON, refused when it has more groups than the server allows (the limit is
/// in the error; the CSV twin streams any size).
fn bounded(body: &[u8], _: &[String]) -> Result<Vec<u8>, String> {
    let groups = body
        .split(|b| *b == b'\n')
        .filter(|l| l.starts_with(b"    {") || l.starts_with(b"    ,{"))
        .count();
    if groups > MAX_JSON_GROUPS {
        return Err(format!(
            "the count has {groups} groups, more than the {MAX_JSON_GROUPS} a JSON view returns: group by fewer dimensions, or use the .csv twin"
        ));
    }
    Ok(body.to_vec())
}

/// A count's page, refused over the same group limit as its JSON.
fn bounded_page(body: &[u8], argv: &[String]) -> Result<Vec<u8>, String> {
    bounded(body, argv)?;
    super::serve_page::count_page(body, argv)
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
    let mut query: Vec<(String, String)> =
        params(raw).into_iter().filter(|(k, _)| k != "by").collect();
    let per_capita = query
        .iter()
        .any(|(k, v)| k == "per-capita" && !v.is_empty());
    if per_capita {
        let one_fy = query.iter().filter(|(k, _)| k == "fy").count() == 1
            && query.iter().any(|(k, v)| k == "fy" && !v.contains(','));
        if !one_fy {
            return error(
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
) -> Response {
    let json = uri.path().ends_with(".json");
    let argv = vec![
        "status".into(),
        "--store".into(),
        served.store.display().to_string(),
    ];
    report_view(served, &headers, argv, json).await
}

async fn fields(
    State(served): State<Arc<Served>>,
    Path(table): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (table, twin) = twin(&table);
    if twin == Twin::Csv {
        return not_found().await;
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

async fn operations(uri: axum::http::Uri) -> Response {
    let list: Vec<serde_json::Value> = tally_operation::Operation::shipped()
        .iter()
        .map(|(_, op)| json!({"name": op.name, "title": op.title, "url": format!("/operations/{}", op.name)}))
        .collect();
    if uri.path().ends_with(".json") {
        (
            [(header::CONTENT_TYPE, "application/json")],
            json!({"operations": list}).to_string(),
        )
            .into_response()
    } else {
        let items: String = list
            .iter()
            .map(|o| {
                format!(
                    "<li><a href=\"{}\">{}</a>: {}</li>",
                    super::serve_page::escape(o["url"].as_str().unwrap_or("")),
                    super::serve_page::escape(o["name"].as_str().unwrap_or("")),
                    super::serve_page::escape(o["title"].as_str().unwrap_or(""))
                )
            })
            .collect();
        (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            super::serve_page::page("Operations", &format!("<ul>{items}</ul>")),
        )
            .into_response()
    }
}

async fn operation(
    State(served): State<Arc<Served>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (name, twin) = twin(&name);
    if twin == Twin::Csv {
        return not_found().await;
    }
    // Only shipped operations: a path on the server's disk is not the client's to name.
    if tally_operation::Operation::find(&name).is_err() {
        return error(
            StatusCode::NOT_FOUND,
            "name",
            &format!("no shipped operation {name:?}; see /operations"),
        );
    }
    let json = twin == Twin::Json;
    let argv = vec![
        "operation".into(),
        "run".into(),
        name,
        "--store".into(),
        served.store.display().to_string(),
    ];
    report_view(served, &headers, argv, json).await
}

async fn compare(
    State(served): State<Arc<Served>>,
    Path((a, b)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let (b, twin) = twin(&b);
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

async fn dashboard(State(served): State<Arc<Served>>, RawQuery(raw): RawQuery) -> Response {
    // The form submitted without script arrives here with its table: send it on to the
    // count it asks for.
    let query = params(raw);
    if let Some((_, table)) = query.iter().find(|(k, _)| k == "table") {
        if !known_table(table) && table != "detention-stays" {
            return error(
                StatusCode::BAD_REQUEST,
                "table",
                &format!("unknown table {table:?}"),
            );
        }
        let rest: Vec<String> = query
            .iter()
            .filter(|(k, v)| k != "table" && !v.trim().is_empty())
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
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        super::serve_page::dashboard(&served.store),
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
    let twin_ok = |desc: &str| json!({"200": {"description": desc}, "304": {"description": "not modified (ETag)"}, "400": {"description": "bad request: JSON {error, parameter}"}, "503": {"description": "took too long"}});
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
