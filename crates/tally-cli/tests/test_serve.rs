//! `tally serve` on the real national arrests: every view equals the CLI's output for the
//! same command line, bad requests get their documented 4xx naming the parameter, the
//! ETag follows the store's generation, and every route of /openapi.json answers.

mod common;

use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// One GET over HTTP/1.1: (status, headers lower-cased, body).
fn get(addr: &str, path: &str, extra: &[(&str, &str)]) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in extra {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut body = raw[split + 4..].to_vec();
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    if headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v == "chunked")
    {
        let mut out = Vec::new();
        let mut rest = &body[..];
        loop {
            let end = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let size = usize::from_str_radix(std::str::from_utf8(&rest[..end]).unwrap().trim(), 16)
                .unwrap();
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[end + 2..end + 2 + size]);
            rest = &rest[end + 2 + size + 2..];
        }
        body = out;
    }
    (status, headers, body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The national arrests FY2016-FY2019 in one store for the file.
fn store() -> &'static Path {
    static STORE: OnceLock<PathBuf> = OnceLock::new();
    STORE.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("serve-store");
        let _ = std::fs::remove_dir_all(&dir);
        ingest_national_arrests(&dir);
        dir
    })
}

#[test]
fn counts_equal_the_cli_for_the_same_query() {
    let s = store();
    let server = serve(s, &[]);
    for (url, cli) in [
        (
            "/count/arrests.json?by=fy,method-group&aor=CHI",
            vec![
                "count",
                "arrests",
                "--by",
                "fy,method-group",
                "--where",
                "aor=CHI",
                "--format",
                "json",
            ],
        ),
        (
            "/count/arrests.json?by=week,method-group&aor=CHI&from=2019-01-01&to=2019-08-31",
            vec![
                "count",
                "arrests",
                "--by",
                "week,method-group",
                "--where",
                "aor=CHI",
                "--from",
                "2019-01-01",
                "--to",
                "2019-08-31",
                "--format",
                "json",
            ],
        ),
        (
            "/count/arrests.json?by=aor,citizenship&citizenship=ICELAND,NORWAY",
            vec![
                "count",
                "arrests",
                "--by",
                "aor,citizenship",
                "--where",
                "citizenship=ICELAND,NORWAY",
                "--format",
                "json",
            ],
        ),
        (
            "/count/arrests.csv?by=aor,fy",
            vec!["count", "arrests", "--by", "aor,fy", "--format", "csv"],
        ),
    ] {
        let (status, headers, body) = get(&server.addr, url, &[]);
        assert_eq!(status, 200, "{url}: {}", String::from_utf8_lossy(&body));
        let mut args = cli.clone();
        args.extend(["--store", path_str(s)]);
        let out = tally(&args);
        assert!(out.status.success());
        assert_eq!(String::from_utf8_lossy(&body), stdout(&out), "{url}");
        // The equivalent command line travels with the answer.
        let command = header(&headers, "x-tally-command").unwrap();
        assert!(command.starts_with("tally count arrests"), "{command}");
    }
    // Suppression at the threshold: the same small cells as the CLI, published as such.
    let (_, _, body) = get(
        &server.addr,
        "/count/arrests.json?by=aor,citizenship&citizenship=ICELAND,NORWAY",
        &[],
    );
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(
        v["groups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["count"].is_object()),
        "{v}"
    );
    // The HTML page shows the same cells, suppressed ones as <10, and names the command.
    let (status, headers, body) = get(&server.addr, "/count/arrests?by=fy&aor=CHI", &[]);
    assert_eq!(status, 200);
    assert!(
        header(&headers, "content-type")
            .unwrap()
            .starts_with("text/html")
    );
    let html = String::from_utf8_lossy(&body);
    for text in [
        "7,055",
        "8,604",
        "9,241",
        "7,769",
        "<svg",
        "tally count arrests --by fy --where aor=CHI",
        "href=\"/count/arrests.csv?by=fy&amp;aor=CHI\" download",
        "permalink: <a href=\"/count/arrests?by=fy&amp;aor=CHI\" data-permalink>",
    ] {
        assert!(html.contains(text), "{text} missing");
    }
}

#[test]
fn bad_requests_get_their_4xx_naming_the_parameter() {
    let s = store();
    let server = serve(s, &[]);
    for (url, status, parameter) in [
        ("/count/arrests.json?by=nope", 400, "by"),
        ("/count/arrests.json?by=fy&from=2019-13-01", 400, "from"),
        ("/count/nowhere.json?by=fy", 404, "table"),
        ("/count/arrests.json?by=fy&aor=ZZZ", 400, "aor"),
        // Named by the parameter whose words the message opens with or quotes, not by an
        // option it mentions in passing ("filter with --from/--to").
        ("/count/arrests.json?by=departed_date", 400, "by"),
        (
            "/count/arrests.json?by=fy&departed_date=2019-01-01",
            400,
            "departed_date",
        ),
        ("/count/arrests.json?by=unique_identifier", 400, "by"),
        (
            "/count/arrests.json?unique_identifier=abc",
            400,
            "unique_identifier",
        ),
        ("/count/arrests.json?by=fy&dedup=bogus", 400, "dedup"),
        ("/count/arrests.json?by=fy&scheme=bogus", 400, "scheme"),
        ("/count/arrests.json?by=date&from=2019-13-01", 400, "from"),
        ("/operations/nope.json", 404, "name"),
        ("/no/such/view", 404, "path"),
    ] {
        let (got, headers, body) = get(&server.addr, url, &[]);
        assert_eq!(got, status, "{url}: {}", String::from_utf8_lossy(&body));
        assert_eq!(
            header(&headers, "content-type"),
            Some("application/json"),
            "{url}"
        );
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["parameter"], parameter, "{url}: {v}");
        assert!(!v["error"].as_str().unwrap().is_empty());
    }
    // A count too large for a JSON view is refused with what to do; its CSV twin answers.
    let (status, _, body) = get(&server.addr, "/count/arrests.json?by=aor,date", &[]);
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("use the .csv twin"));
}

#[test]
fn the_etag_follows_the_store_generation() {
    let dir = tempfile::tempdir().unwrap();
    let fy16 = national().join("EROArrests_FY2016.pipe.csv.gz");
    assert!(ingest(dir.path(), &[&fy16]).status.success());
    let server = serve(dir.path(), &[]);
    let (status, headers, _) = get(&server.addr, "/count/arrests.json?by=fy", &[]);
    assert_eq!(status, 200);
    let tag = header(&headers, "etag").unwrap().to_string();
    // Weak, since the same tag stands for the gzip-compressed body: the tag of a
    // compressed answer is the plain one's, and either revalidates.
    assert!(tag.starts_with("W/\""), "{tag}");
    let (status, gz_headers, _) = get(
        &server.addr,
        "/count/arrests.json?by=fy",
        &[("Accept-Encoding", "gzip")],
    );
    assert_eq!(status, 200);
    assert_eq!(header(&gz_headers, "content-encoding"), Some("gzip"));
    assert_eq!(header(&gz_headers, "etag"), Some(tag.as_str()));
    for sent in [tag.clone(), tag.trim_start_matches("W/").to_string()] {
        let (status, headers, body) = get(
            &server.addr,
            "/count/arrests.json?by=fy",
            &[("If-None-Match", &sent)],
        );
        assert_eq!(status, 304, "{sent}");
        assert!(body.is_empty());
        // What a cache needs from a 304: the tag, the policy, what the body varies by.
        assert_eq!(header(&headers, "etag"), Some(tag.as_str()));
        assert_eq!(header(&headers, "cache-control"), Some("no-cache"));
        assert_eq!(header(&headers, "vary"), Some("accept-encoding"));
    }
    // A new generation: a new tag, and the new release counted.
    let fy17 = national().join("EROArrests_FY2017.pipe.csv.gz");
    assert!(ingest(dir.path(), &[&fy17]).status.success());
    let (status, headers, body) = get(
        &server.addr,
        "/count/arrests.json?by=fy",
        &[("If-None-Match", &tag)],
    );
    assert_eq!(status, 200);
    assert_ne!(header(&headers, "etag").unwrap(), tag);
    assert!(String::from_utf8_lossy(&body).contains("\"fy\":\"FY2017\""));
}

#[test]
fn every_documented_route_answers_and_undocumented_ones_do_not() {
    let s = store();
    let server = serve(s, &[]);
    let (status, _, body) = get(&server.addr, "/openapi.json", &[]);
    assert_eq!(status, 200);
    let doc: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let paths: Vec<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(paths.len(), 11);
    for template in &paths {
        let url = template
            .replace("{table}", "arrests")
            .replace("{name}", "family-op-2019")
            .replace("{a}", "EROArrests_FY2018.pipe.csv.gz")
            .replace("{b}", "EROArrests_FY2019.pipe.csv.gz");
        let url = if url.starts_with("/count/") {
            format!("{url}?by=fy")
        } else {
            url
        };
        let (status, _, body) = get(&server.addr, &url, &[]);
        if template == "/compare/{a}/{b}" {
            // The national files cover different years: the documented 400 says so.
            assert_eq!(status, 400, "{url}");
            assert!(String::from_utf8_lossy(&body).contains("do not overlap"));
            continue;
        }
        assert_eq!(
            status,
            200,
            "{template} ({url}): {}",
            String::from_utf8_lossy(&body)
        );
    }
    // The .json twin of an operation page is the CLI's JSON.
    let (_, _, body) = get(&server.addr, "/operations/family-op-2019.json", &[]);
    let out = tally(&[
        "operation",
        "run",
        "family-op-2019",
        "--store",
        path_str(s),
        "--format",
        "json",
    ]);
    assert_eq!(String::from_utf8_lossy(&body), stdout(&out));
    // The operation page opens with the headline a reporter can quote (issue #12's own
    // example, from these records).
    let headline = "In the 10 treated AORs, at-large arrests in the window were 28% lower than the comparison AORs predict; 95% interval -50% to +3%; the interval includes no change.";
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["headline"], headline);
    // The page is the report `--report` writes (`--format html`), charts inline, with the
    // headline first and the rate ratio said in words.
    let (_, headers, page) = get(&server.addr, "/operations/family-op-2019", &[]);
    let page = String::from_utf8_lossy(&page);
    assert_eq!(
        header(&headers, "x-tally-command"),
        Some("tally operation run family-op-2019")
    );
    assert!(
        page.contains(&format!("<strong>{headline}</strong>")),
        "{page}"
    );
    assert!(
        page.contains("This one is 0.72: where the comparison AORs' change predicts 100, the treated AORs had 72."),
        "{page}"
    );
    assert_eq!(
        page.matches("<svg").count(),
        3,
        "the report's three charts inline"
    );
    let out = tally(&[
        "operation",
        "run",
        "family-op-2019",
        "--store",
        path_str(s),
        "--format",
        "html",
    ]);
    assert!(page.ends_with(&stdout(&out)[stdout(&out).find("<h1>").unwrap()..]));
    for url in ["/counts/arrests", "/status.xml", "/openapi.yaml"] {
        assert_eq!(get(&server.addr, url, &[]).0, 404, "{url}");
    }
    // The dashboard's form submits to the count view.
    let (_, _, body) = get(&server.addr, "/", &[]);
    let html = String::from_utf8_lossy(&body);
    assert!(html.contains("<form method=\"get\""), "{html}");
    // Submitted (no script needed), the form leads to the count's own URL.
    let (status, headers, _) = get(
        &server.addr,
        "/?table=arrests&by=fy%2Cmethod-group&aor=CHI&from=&to=",
        &[],
    );
    assert_eq!(status, 303);
    assert_eq!(
        header(&headers, "location"),
        Some("/count/arrests?by=fy,method-group&aor=CHI")
    );
    assert!(html.contains("/count/arrests?by=fy,method-group"));
}

#[test]
fn every_request_is_logged_and_errors_speak_of_what_the_client_sent() {
    let s = store();
    let (server, log) = serve_logged(s, &[]);
    let json = |url: &str| {
        let (status, _, body) = get(&server.addr, url, &[]);
        let v: serde_json::Value = serde_json::from_slice(&body)
            .unwrap_or_else(|e| panic!("{url}: {e}: {}", String::from_utf8_lossy(&body)));
        (status, v)
    };
    // A filter the table has no dimension for is blamed on that parameter, not on `by`;
    // empty, it is still not a dimension: an error, not quietly dropped as the empty
    // field of a known dimension is (the dashboard's form sends those).
    for url in [
        "/count/arrests.json?by=fy&foo=bar",
        "/count/arrests.json?by=fy&foo=",
    ] {
        let (status, v) = json(url);
        assert_eq!((status, v["parameter"].as_str()), (400, Some("foo")), "{v}");
        assert!(
            v["error"]
                .as_str()
                .unwrap()
                .starts_with("unknown dimension \"foo\" for arrests"),
            "{v}"
        );
    }
    let (status, by_fy) = json("/count/arrests.json?by=fy");
    assert_eq!(status, 200, "{by_fy}");
    let (status, v) = json("/count/arrests.json?by=fy&aor=&method-group=+");
    assert_eq!((status, &v["groups"]), (200, &by_fy["groups"]), "{v}");
    // A value that can never match is blamed on its own parameter; an option given twice
    // and a parameter without a name are refused in the server's words; views that take
    // no parameters say so rather than ignore them (and seem to apply them).
    for (url, parameter, error) in [
        (
            "/count/arrests.json?by=fy&aor=XYZ",
            "aor",
            "--where aor=\"XYZ\" can never match",
        ),
        (
            "/count/arrests.json?by=fy&from=2019-01-01&from=2018-01-01",
            "from",
            "from is given 2 times; it takes one value",
        ),
        (
            "/count/arrests.json?by=fy&=x",
            "",
            "a parameter without a name",
        ),
        (
            "/status.json?dedup=exact",
            "dedup",
            "this view takes no parameters (got \"dedup\")",
        ),
        (
            "/operations.json?foo=bar",
            "foo",
            "this view takes only name",
        ),
        (
            "/fields/arrests.json?by=fy",
            "by",
            "this view takes no parameters",
        ),
        (
            "/count/arrests.json?by=foo",
            "by",
            "unknown dimension \"foo\"",
        ),
        (
            "/count/arrests.json?by=fy&citizenship=A%00B",
            "citizenship",
            "\"citizenship\" holds a control character or bytes that are not UTF-8",
        ),
        (
            "/count/arrests.json?by=fy&aor=%FF%FE",
            "aor",
            "\"aor\" holds a control character or bytes that are not UTF-8",
        ),
        (
            "/count/arrests.json?by=fy&release=nosuch",
            "release",
            "no release matches",
        ),
        (
            "/count/arrests.json?by=policy&policy=bogus",
            "policy",
            "--policy \"bogus\"",
        ),
    ] {
        let (status, v) = json(url);
        assert_eq!(
            (status, v["parameter"].as_str()),
            (400, Some(parameter)),
            "{url}: {v}"
        );
        assert!(
            v["error"].as_str().unwrap().starts_with(error),
            "{url}: {v}"
        );
    }
    // A bad value reads as the server's answer, not as a terminal's.
    let (status, v) = json("/count/arrests.json?by=fy&from=2019-13-01");
    assert_eq!(status, 400);
    assert_eq!(
        v["error"], "invalid value '2019-13-01' for '--from <DATE>': input is out of range",
        "{v}"
    );
    // The JSON group limit counts the groups, and only them: as many as the CSV's rows.
    let (status, _, csv) = get(&server.addr, "/count/arrests.csv?by=aor,date", &[]);
    assert_eq!(status, 200);
    let rows = String::from_utf8_lossy(&csv).lines().count() - 1;
    assert!(rows > 20_000, "{rows}");
    let (status, v) = json("/count/arrests.json?by=aor,date");
    assert_eq!(status, 400);
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .starts_with(&format!("the count has {rows} groups, more than the 20000")),
        "{v}"
    );
    // A table nothing was ingested for says so, rather than answering an empty table.
    let (status, v) = json("/count/detainers.json?by=fy");
    assert_eq!(status, 200);
    assert_eq!(
        v["notes"],
        serde_json::json!(["no release in the store holds detainers rows matching this query"]),
        "{v}"
    );
    // A page's error is a page saying what went wrong, its JSON twin's is JSON.
    for (url, says) in [
        ("/operations/bortac-2020", "no arrests records"),
        (
            "/count/arrests?by=foo",
            "unknown dimension &quot;foo&quot; for arrests",
        ),
    ] {
        let (status, headers, body) = get(&server.addr, url, &[]);
        let html = String::from_utf8_lossy(&body);
        assert_eq!(status, 400, "{url}: {html}");
        assert_eq!(
            header(&headers, "content-type"),
            Some("text/html; charset=utf-8"),
            "{url}"
        );
        assert!(
            html.starts_with("<!doctype html>") && html.contains("<h1>400 Bad Request</h1>"),
            "{html}"
        );
        assert!(html.contains(says), "{url}: {html}");
    }
    assert_eq!(get(&server.addr, "/nowhere", &[]).0, 404);
    let mut stream = TcpStream::connect(&server.addr).unwrap();
    stream
        .write_all(b"POST /count/arrests.csv HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .unwrap();
    stream.read_to_end(&mut Vec::new()).unwrap();
    // Every request above is on the log with its answer's status, and nothing else is:
    // the counts' notes and sources are in their views, not the server's log.
    let expected = [
        "GET /count/arrests.json?by=fy&foo=bar -> 400 in ",
        "GET /count/arrests.json?by=fy&foo= -> 400 in ",
        "GET /count/arrests.json?by=fy -> 200 in ",
        "GET /count/arrests.json?by=fy&aor=&method-group=+ -> 200 in ",
        "GET /count/arrests.json?by=fy&aor=XYZ -> 400 in ",
        "GET /count/arrests.json?by=fy&from=2019-01-01&from=2018-01-01 -> 400 in ",
        "GET /count/arrests.json?by=fy&=x -> 400 in ",
        "GET /status.json?dedup=exact -> 400 in ",
        "GET /operations.json?foo=bar -> 400 in ",
        "GET /fields/arrests.json?by=fy -> 400 in ",
        "GET /count/arrests.json?by=foo -> 400 in ",
        "GET /count/arrests.json?by=fy&citizenship=A%00B -> 400 in ",
        "GET /count/arrests.json?by=fy&aor=%FF%FE -> 400 in ",
        "GET /count/arrests.json?by=fy&release=nosuch -> 400 in ",
        "GET /count/arrests.json?by=policy&policy=bogus -> 400 in ",
        "GET /count/arrests.json?by=fy&from=2019-13-01 -> 400 in ",
        "GET /count/arrests.csv?by=aor,date -> 200 in ",
        "GET /count/arrests.json?by=aor,date -> 400 in ",
        "GET /count/detainers.json?by=fy -> 200 in ",
        "GET /operations/bortac-2020 -> 400 in ",
        "GET /count/arrests?by=foo -> 400 in ",
        "GET /nowhere -> 404 in ",
        "POST /count/arrests.csv -> 405 in ",
    ];
    let mut waited = 0;
    let lines: Vec<String> = loop {
        // Whole lines only: stderr arrives in chunks, and a chunk can end mid-line.
        let text = log.lock().unwrap().clone();
        let whole = &text[..text.rfind('\n').map_or(0, |at| at + 1)];
        let lines: Vec<String> = whole
            .lines()
            .filter(|l| l.starts_with("serve: "))
            .map(String::from)
            .collect();
        if lines.len() >= expected.len() || waited > 50 {
            break lines;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        waited += 1;
    };
    assert_eq!(lines.len(), expected.len(), "{lines:#?}");
    for (line, want) in lines.iter().zip(expected) {
        assert!(
            line.starts_with(&format!("serve: {want}")),
            "{line} / {want}"
        );
        assert!(line.ends_with(" ms"), "{line}");
    }
    let all = log.lock().unwrap().clone();
    assert!(
        all.lines()
            .all(|l| l.starts_with("serve: ") || l.starts_with("listening") || l.is_empty()),
        "{all}"
    );
    // A time limit of 0 seconds is refused, not quietly made 1.
    let out = tally(&["serve", "--store", path_str(s), "--timeout", "0"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out)
            .contains("invalid value '0' for '--timeout <S>': a request needs at least 1 second"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn what_a_new_user_found_in_the_server_stays_fixed() {
    let s = store();
    let server = serve(s, &[]);
    // A path or value is never read as an option.
    for (url, status) in [
        ("/fields/--store=%2Ftmp.json", 404),
        ("/count/-h", 404),
        ("/count/--help.json", 404),
        ("/count/arrests.json?by=fy&from=--help", 400),
        ("/compare/--store=x/y.json", 400),
    ] {
        let (got, headers, body) = get(&server.addr, url, &[]);
        assert_eq!(got, status, "{url}: {}", String::from_utf8_lossy(&body));
        assert_eq!(
            header(&headers, "content-type"),
            Some("application/json"),
            "{url}"
        );
        assert!(!String::from_utf8_lossy(&body).contains("Usage:"), "{url}");
    }
    // An operation the store cannot answer is a 4xx with the reason, not an empty 200.
    let (status, _, body) = get(&server.addr, "/operations/bortac-2020.json", &[]);
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));
    assert!(
        String::from_utf8_lossy(&body).contains("no arrests records"),
        "{}",
        String::from_utf8_lossy(&body)
    );
    // The dashboard's empty fields are no filters.
    let (status, _, body) = get(
        &server.addr,
        "/count/arrests.json?by=fy&aor=&from=&to=",
        &[],
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    // Pages print published figures as the CLI does, never their JSON.
    let (_, _, body) = get(
        &server.addr,
        "/count/arrests?by=aor,citizenship&citizenship=ICELAND,NORWAY",
        &[],
    );
    let html = String::from_utf8_lossy(&body);
    assert!(
        html.contains("&lt;10") && html.contains("data-total>about "),
        "{html}"
    );
    assert!(!html.contains("{\"below\""), "{html}");
    // One tag per view; weak tags and lists are understood; a 304 carries the tag.
    let (_, h1, _) = get(&server.addr, "/count/arrests.json?by=fy", &[]);
    let (_, h2, _) = get(&server.addr, "/count/arrests.json?by=aor", &[]);
    let tag = header(&h1, "etag").unwrap().to_string();
    assert_ne!(Some(tag.as_str()), header(&h2, "etag"));
    let list = format!("\"nope\", W/{tag}");
    let (status, headers, _) = get(
        &server.addr,
        "/count/arrests.json?by=fy",
        &[("If-None-Match", &list)],
    );
    assert_eq!(status, 304);
    assert_eq!(header(&headers, "etag"), Some(tag.as_str()));
    let (status, _, _) = get(
        &server.addr,
        "/count/arrests.json?by=aor",
        &[("If-None-Match", &tag)],
    );
    assert_eq!(status, 200);
    // Writes are refused in JSON; twins that do not exist are 404.
    let mut stream = TcpStream::connect(&server.addr).unwrap();
    stream
        .write_all(b"POST /count/arrests.json HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    assert!(raw.starts_with("HTTP/1.1 405"), "{raw}");
    assert!(raw.contains("read-only"), "{raw}");
    for url in ["/fields/arrests.csv", "/operations/family-op-2019.csv"] {
        assert_eq!(get(&server.addr, url, &[]).0, 404, "{url}");
    }
}

#[test]
fn the_map_shades_aors_by_the_count_and_never_a_hidden_one() {
    let s = store();
    let server = serve(s, &[]);
    let (status, _, body) = get(&server.addr, "/map/arrests?fy=FY2019", &[]);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let html = String::from_utf8_lossy(&body);
    // Every AOR of the committed geometry is drawn, with its count as the CLI gives it.
    assert_eq!(html.matches("data-aor=").count(), 24);
    assert!(
        html.contains("data-aor=\"CHI\"><title>CHI: 7,769</title>"),
        "Chicago FY2019"
    );
    assert!(
        html.contains("us-atlas 3.0.1"),
        "the geometry names its source"
    );
    // A repeated filter lists alternatives, as for /count: both AORs keep their counts.
    let (status, _, body) = get(&server.addr, "/map/arrests?aor=CHI&aor=NYC&fy=FY2019", &[]);
    let html = String::from_utf8_lossy(&body);
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("data-aor=\"CHI\"><title>CHI: 7,769</title>"),
        "{html}"
    );
    assert!(html.contains("<title>NYC: "), "{html}");
    assert!(!html.contains("<title>NYC: no rows"), "{html}");
    // The AORs the filter leaves out were not asked about; they are not said to have none.
    assert!(
        html.contains("<title>ATL: not asked about (not shaded)</title>"),
        "{html}"
    );
    assert!(!html.contains(": no rows (not shaded)</title>"), "{html}");
    // An empty parameter naming no dimension is refused, as for /count.
    let (status, _, body) = get(&server.addr, "/map/arrests?fy=FY2019&foo=", &[]);
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));
    assert!(String::from_utf8_lossy(&body).contains("unknown dimension"));
    // Per capita needs the population table (not in this store) and one fiscal year.
    let (status, _, body) = get(&server.addr, "/map/arrests?fy=FY2019&per-capita=total", &[]);
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("uwchr_aor_demog_indicators.csv"));
    let (status, _, body) = get(&server.addr, "/map/arrests?per-capita=total", &[]);
    assert_eq!(status, 400);
    // A page's error is a page, naming the parameter.
    assert!(String::from_utf8_lossy(&body).contains("About: <code>fy</code>"));
    // The map is by AOR: a `by` would be dropped, so it is refused.
    let (status, _, body) = get(&server.addr, "/map/arrests?by=citizenship", &[]);
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("the map is by AOR and takes no by"));
    // A suppressed AOR is hatched, not shaded: Iceland's citizens by AOR are all small.
    let (_, _, body) = get(&server.addr, "/map/arrests?citizenship=ICELAND", &[]);
    let html = String::from_utf8_lossy(&body);
    assert!(html.contains("(not shaded)"), "{html}");
    assert!(
        !html.contains("fill=\"#08519c\" stroke=\"#333\" stroke-width=\"0.6\" data-aor"),
        "a hidden count was shaded"
    );
}

/// Rows of a release on days or AORs it does not claim are "not covered" in the table, and
/// so on the map and chart: DDP's Washington-state file codes 41 FY2025 arrests to the
/// Washington, DC office, which the map had shaded as DC's count.
#[test]
fn rows_a_release_does_not_claim_are_hatched_on_the_map_and_not_drawn_as_bars() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let wa = shared_data().join("ddp-processed/arrests_washington-state_2023-09_2025-10.csv");
    let out = ingest(&store, &[&wa]);
    assert!(out.status.success(), "{}", stderr(&out));
    let server = serve(&store, &[]);
    let (status, _, body) = get(&server.addr, "/map/arrests?fy=FY2025", &[]);
    let html = String::from_utf8_lossy(&body);
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("fill=\"url(#hatch)\" stroke=\"#333\" stroke-width=\"0.6\" data-aor=\"WAS\"><title>WAS: not covered: 41 rows of a release that does not claim these days (not shaded)</title>"),
        "{html}"
    );
    // Shaded, and said to be Washington's part of Seattle (Alaska and Oregon are shaded
    // with it).
    assert!(
        html.contains("data-aor=\"SEA\"><title>SEA: 1,876 (WA's part only: arrests_washington-state_2023-09_2025-10.csv is one state's extract)</title>"),
        "{html}"
    );
    let (status, _, body) = get(&server.addr, "/count/arrests?by=aor&fy=FY2025", &[]);
    let html = String::from_utf8_lossy(&body);
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("<title>WAS: suppressed, missing or not covered, not drawn</title>"),
        "{html}"
    );
    assert!(!html.contains("<title>WAS: 41</title>"), "{html}");
    assert!(html.contains("<title>SEA: 1,876</title>"), "{html}");
}

/// A page's table says, cell by cell, what misses days, as the CLI's table and CSV do; its
/// chart draws a partly covered point hollow (a week of 2019-08-26, whose September days
/// no release covers, had read as an ordinary drop).
#[test]
fn a_page_says_which_cells_miss_days() {
    let server = serve(store(), &[]);
    let (status, _, body) = get(
        &server.addr,
        "/count/arrests?by=month&from=2019-07-01&to=2019-09-30",
        &[],
    );
    let html = String::from_utf8_lossy(&body);
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("<th scope=\"col\">coverage</th>"), "{html}");
    assert!(
        html.contains(
            "<tr><td>2019-08</td><td class=\"n\">11,459</td><td data-cell-coverage></td></tr>"
        ),
        "{html}"
    );
    assert!(
        html.contains("<tr><td>2019-09</td><td class=\"n\">&lt;10</td><td data-cell-coverage>not covered: rows of a release that does not claim these days"),
        "{html}"
    );
    let (status, _, body) = get(
        &server.addr,
        "/count/arrests?by=week&from=2019-07-01&to=2019-09-30",
        &[],
    );
    let html = String::from_utf8_lossy(&body);
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("data-partly-covered><title>all 2019-08-26: 2,498 (partly covered: days missing, see the table)"),
        "{html}"
    );
    // A view every day of which is covered has no such column.
    let (_, _, body) = get(&server.addr, "/count/arrests?by=month&fy=FY2018", &[]);
    assert!(!String::from_utf8_lossy(&body).contains("data-cell-coverage"));
}

#[test]
fn the_dashboard_form_leads_to_a_drawn_view_with_its_uncovered_days() {
    let server = serve(store(), &[]);
    // The form as a browser submits it: AORs chosen one by one, a period and a split.
    let (status, headers, _) = get(
        &server.addr,
        "/?table=arrests&aor=CHI&aor=NYC&fy=FY2019&from=&to=&series=month&split=method-group&method-group=at-large",
        &[],
    );
    assert_eq!(status, 303);
    let location = header(&headers, "location").unwrap().to_string();
    assert_eq!(
        location,
        "/count/arrests?by=month,method-group&aor=CHI,NYC&fy=FY2019&method-group=at-large"
    );
    let (status, _, body) = get(&server.addr, &location, &[]);
    assert_eq!(status, 200);
    let html = String::from_utf8_lossy(&body);
    // The controls come back filled in, so the view can be changed from where it is.
    for selected in [
        "<option value=\"CHI\" selected>",
        "<option value=\"NYC\" selected>",
        "<option value=\"FY2019\" selected>",
        "<option value=\"month\" selected>",
        "<option value=\"at-large\" selected>",
    ] {
        assert!(html.contains(selected), "{selected}");
    }
    // The same total as the CLI, in the page's headline figure.
    let out = tally(&[
        "count",
        "arrests",
        "--store",
        path_str(store()),
        "--where",
        "aor=CHI,NYC",
        "--where",
        "fy=FY2019",
        "--where",
        "method-group=at-large",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["total"], 3874);
    assert!(html.contains("data-total>3,874<"), "{html}");
    // September 2019 is in no release: drawn as a grey band (from the count by month
    // alone, since a count by month and method group leaves the month out), listed under
    // the days no release covers, never drawn as zero.
    assert_eq!(html.matches("data-not-covered").count(), 1, "{html}");
    assert!(html.contains("2019-09: not covered by any release"));
    assert!(
        html.contains(
            "<li>2019-09-01 to 2019-09-30: CHI, NYC (counts there are missing, not zero)</li>"
        ),
        "{html}"
    );
    assert!(html.contains("data-series=\"at-large\""));
    // The chart names its units, period and source.
    assert!(html.contains("arrests per month"));
    assert!(html.contains("Period: FY2019. Source: ICE releases EROArrests_FY2019.pipe.csv.gz"));
    // Another table chosen without script: the form still holds this view's split and
    // filter, which detention stints have no dimension for; they are left out, and the
    // view answers (it was a 400). A split repeating the period is asked once.
    let (status, headers, _) = get(
        &server.addr,
        "/?table=detention-stints&aor=CHI&fy=FY2019&series=month&split=method-group&method-group=at-large",
        &[],
    );
    assert_eq!(status, 303);
    let location = header(&headers, "location").unwrap().to_string();
    assert_eq!(
        location,
        "/count/detention-stints?by=month&aor=CHI&fy=FY2019"
    );
    assert_eq!(get(&server.addr, &location, &[]).0, 200, "{location}");
    // A reference table (a list) has no dates: the form's dates are left out too.
    let (status, headers, _) = get(
        &server.addr,
        "/?table=county-aor&fy=FY2019&from=2019-01-01&to=2019-03-31&series=week&split=",
        &[],
    );
    assert_eq!(status, 303);
    let location = header(&headers, "location").unwrap().to_string();
    assert_eq!(location, "/count/county-aor");
    assert_eq!(get(&server.addr, &location, &[]).0, 200, "{location}");
    let (status, headers, _) = get(
        &server.addr,
        "/?table=arrests&series=week&split=week&aor=CHI",
        &[],
    );
    assert_eq!(status, 303);
    let location = header(&headers, "location").unwrap().to_string();
    assert_eq!(location, "/count/arrests?by=week&aor=CHI");
    assert_eq!(get(&server.addr, &location, &[]).0, 200, "{location}");
    // The picker of operations leads to the page of the one picked.
    let (status, headers, _) = get(&server.addr, "/operations?name=family-op-2019", &[]);
    assert_eq!(status, 303);
    assert_eq!(
        header(&headers, "location"),
        Some("/operations/family-op-2019")
    );
    assert_eq!(get(&server.addr, "/operations?name=nope", &[]).0, 404);
}

#[test]
fn operation_files_given_to_the_server_are_offered_and_no_other_path_is() {
    let dir = tempfile::tempdir().unwrap();
    let shipped = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../operations/family-op-2019.toml"),
    )
    .unwrap();
    let mine = dir.path().join("mine.toml");
    std::fs::write(
        &mine,
        shipped.replacen("name = \"family-op-2019\"", "name = \"my-family-op\"", 1),
    )
    .unwrap();
    let server = serve(store(), &["--operation", path_str(&mine)]);
    let (_, _, body) = get(&server.addr, "/operations.json", &[]);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let mine_listed = v["operations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "my-family-op")
        .unwrap_or_else(|| panic!("{v}"));
    assert_eq!(mine_listed["shipped"], false);
    // Its page runs the file, and says the same as the shipped one it copies.
    let (status, headers, page) = get(&server.addr, "/operations/my-family-op.json", &[]);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&page));
    let command = header(&headers, "x-tally-command").unwrap();
    assert!(command.ends_with("mine.toml"), "{command}");
    let (_, _, theirs) = get(&server.addr, "/operations/family-op-2019.json", &[]);
    let (a, b): (serde_json::Value, serde_json::Value) = (
        serde_json::from_slice(&page).unwrap(),
        serde_json::from_slice(&theirs).unwrap(),
    );
    assert_eq!(a["headline"], b["headline"]);
    // A client never names a path.
    let escaped = format!("/operations/{}", path_str(&mine).replace('/', "%2F"));
    assert_eq!(get(&server.addr, &escaped, &[]).0, 404);
    drop(server);
    // A file whose name clashes with a shipped operation is refused at start.
    let clash = dir.path().join("clash.toml");
    std::fs::write(&clash, &shipped).unwrap();
    let out = tally(&[
        "serve",
        "--store",
        path_str(store()),
        "--bind",
        "127.0.0.1:0",
        "--operation",
        path_str(&clash),
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("an operation named \"family-op-2019\" is already offered"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_server_reading_through_ingests_answers_each_whole_generation_and_never_a_mix() {
    // The server keeps the manifest and checked rollups decoded between requests; while
    // releases are committed one after another, every answer must be one generation's
    // (the first k fiscal years), never stale after the last and never a mix. Every URL
    // is new (a later `to=`), so no answer comes from the response cache.
    const FYS: [(&str, &str); 4] = [
        ("FY2016", "110104"),
        ("FY2017", "143470"),
        ("FY2018", "158581"),
        ("FY2019", "131904"),
    ];
    for round in 0..2 {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store");
        let file = |fy: &str| national().join(format!("EROArrests_{fy}.pipe.csv.gz"));
        assert!(ingest(&store, &[&file("FY2016")]).status.success());
        // Let the first release's files settle, so that they are kept in memory.
        std::thread::sleep(std::time::Duration::from_secs(
            tally_store::cache::SETTLED_SECONDS as u64 + 1,
        ));
        let server = serve(&store, &["--suppress-below", "0"]);
        let writer = {
            let store = store.clone();
            std::thread::spawn(move || {
                for fy in ["FY2017", "FY2018", "FY2019"] {
                    let out = ingest(&store, &[&file(fy)]);
                    assert!(out.status.success(), "{}", stderr(&out));
                }
            })
        };
        let mut seen = std::collections::BTreeSet::new();
        let mut request = 0u32;
        loop {
            let done = writer.is_finished();
            request += 1;
            let to = chrono::NaiveDate::from_ymd_opt(2019, 10, 1).unwrap()
                + chrono::Days::new(u64::from(request));
            let (status, _, body) = get(
                &server.addr,
                &format!("/count/arrests.csv?by=fy&to={to}"),
                &[],
            );
            let body = String::from_utf8_lossy(&body).to_string();
            assert_eq!(status, 200, "round {round}, request {request}: {body}");
            let fys: Vec<(&str, &str)> = body
                .lines()
                .filter_map(|l| {
                    let mut cells = l.split(',');
                    let fy = cells.next()?;
                    let n = cells.next()?;
                    // Years no committed release covers yet read "not covered".
                    (FYS.iter().any(|(f, _)| *f == fy) && n != "not covered").then_some((fy, n))
                })
                .collect();
            assert!(
                (1..=4).any(|k| fys == FYS[..k]),
                "round {round}, request {request}: no generation's answer: {fys:?}\n{body}"
            );
            seen.insert(fys.len());
            if done {
                assert_eq!(fys, FYS, "after the last commit, every year counts");
                break;
            }
        }
        writer.join().unwrap();
        assert!(seen.len() >= 2, "the reads saw {seen:?} generations");
    }
}

/// The `dur` of one metric of a Server-Timing header, in milliseconds.
fn timing_of(timing: &str, metric: &str) -> Option<f64> {
    timing.split(',').map(str::trim).find_map(|m| {
        let mut parts = m.split(';');
        (parts.next() == Some(metric))
            .then(|| parts.find_map(|p| p.strip_prefix("dur=")?.parse().ok()))
            .flatten()
    })
}

#[test]
fn a_computed_count_says_where_its_time_went_and_other_views_do_not() {
    let server = serve(store(), &[]);
    let (status, headers, _) = get(&server.addr, "/count/arrests.csv?by=fy,aor", &[]);
    assert_eq!(status, 200);
    let timing = header(&headers, "server-timing").unwrap().to_string();
    let whole = timing_of(&timing, "tally").unwrap();
    let count = timing_of(&timing, "count").unwrap();
    let scan = timing_of(&timing, "scan").unwrap();
    // Each part lies inside the one before it (a part never exceeds its whole).
    assert!(scan > 0.0 && scan <= count && count <= whole, "{timing}");
    assert!(timing.contains("desc=\"computed\""), "{timing}");
    // Answered from the response cache: nothing was counted, and no part is claimed.
    let (_, headers, _) = get(&server.addr, "/count/arrests.csv?by=fy,aor", &[]);
    let timing = header(&headers, "server-timing").unwrap().to_string();
    assert!(timing.contains("response cache"), "{timing}");
    assert_eq!(timing_of(&timing, "count"), None, "{timing}");
    // A view that is not one count (the releases' status, computed after counts ran on
    // the server's worker threads) claims no count's time.
    for aor in ["CHI", "NYC", "LOS", "SFR"] {
        let url = format!("/count/arrests.csv?by=fy&aor={aor}");
        let (_, headers, _) = get(&server.addr, &url, &[]);
        let timing = header(&headers, "server-timing").unwrap();
        assert!(timing_of(timing, "scan").is_some(), "{timing}");
    }
    let (status, headers, body) = get(&server.addr, "/status.json", &[]);
    assert_eq!(status, 200);
    // The store by its directory's name: where it lies on the server is not shown.
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let name = store().file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(v["store"], serde_json::json!(name));
    let shown = String::from_utf8_lossy(&body).into_owned();
    assert!(!shown.contains(path_str(store())), "{shown}");
    let timing = header(&headers, "server-timing").unwrap();
    assert!(timing.contains("desc=\"computed\""), "{timing}");
    assert_eq!(timing_of(timing, "scan"), None, "{timing}");
}

/// A count finer than the server's `--max-groups` is refused 400, saying the limit and
/// what to do, instead of holding gigabytes; one within it is answered exactly as `tally
/// count` prints it, and the limit shows in no command line or link. The limit counts the
/// groups the rows fill (the count's nonzero cells, not the zeros of its grid): 30,863
/// AOR-days in the national FY2016-FY2019 arrests (held in a table by position) and
/// 65,294 AOR-days by method group (held in hashed maps, counted as the scan goes).
#[test]
fn a_count_past_the_servers_group_limit_is_refused_before_it_takes_the_memory() {
    let s = store();
    let count = |by: &str, limit: &[&str]| {
        let mut args = vec![
            "count",
            "arrests",
            "--store",
            path_str(s),
            "--by",
            by,
            "--format",
            "csv",
        ];
        args.extend_from_slice(limit);
        tally(&args)
    };
    let mut by_aor_date = String::new();
    for (by, groups) in [("aor,date", 30_863), ("aor,date,method-group", 65_294)] {
        let unlimited = count(by, &[]);
        assert!(unlimited.status.success(), "{}", stderr(&unlimited));
        let csv = stdout(&unlimited);
        // The count is the column after the key's (a coverage column may follow: the
        // rows of 2019-09-01, past the release's stated period, are "not covered").
        let at = by.split(',').count();
        let filled = csv
            .lines()
            .skip(1)
            .filter(|l| l.split(',').nth(at) != Some("0"))
            .count();
        assert_eq!(filled, groups, "{by}");
        for (max, answered) in [(groups, true), (groups - 1, false), (100, false)] {
            let out = count(by, &["--max-groups", &max.to_string()]);
            assert_eq!(
                out.status.success(),
                answered,
                "{by} --max-groups {max}: {}",
                stderr(&out)
            );
            if answered {
                assert_eq!(stdout(&out), csv, "{by}: the limit changes no answer");
            } else {
                assert!(
                    stderr(&out).contains(&format!(
                        "the count holds more than {max} groups (before groups under the small-cell limit are hidden), the most allowed here: group by fewer or coarser dimensions (month or week rather than date), filter, or narrow the dates (the limit is the server's, or --max-groups given to `tally count`, which otherwise has none)"
                    )),
                    "{by}: {}",
                    stderr(&out)
                );
            }
        }
        if by == "aor,date" {
            by_aor_date = csv;
        }
    }
    let csv = by_aor_date;

    let server = serve(s, &["--max-groups", "30862"]);
    for twin in ["csv", "json"] {
        let (status, headers, body) = get(
            &server.addr,
            &format!("/count/arrests.{twin}?by=aor,date"),
            &[],
        );
        assert_eq!(status, 400, "{twin}: {}", String::from_utf8_lossy(&body));
        assert_eq!(header(&headers, "content-type"), Some("application/json"));
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["parameter"], "by", "{v}");
        assert!(
            v["error"]
                .as_str()
                .unwrap()
                .contains("more than 30862 groups"),
            "{v}"
        );
    }
    let (status, _, body) = get(&server.addr, "/count/arrests?by=aor,date", &[]);
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("more than 30862 groups"));
    // Within the limit: the CLI's answer, and no trace of the limit in what is shown.
    let (status, _, body) = get(&server.addr, "/count/arrests.csv?by=aor,fy", &[]);
    assert_eq!(status, 200);
    assert_eq!(
        String::from_utf8_lossy(&body),
        stdout(&count("aor,fy", &[]))
    );
    let (status, _, page) = get(&server.addr, "/count/arrests?by=aor,fy", &[]);
    assert_eq!(status, 200);
    let page = String::from_utf8_lossy(&page);
    assert!(page.contains("tally count arrests --by aor,fy"), "{page}");
    assert!(!page.contains("max-groups"), "{page}");
    drop(server);

    // The default limit (a million groups) answers the same count.
    let server = serve(s, &[]);
    let (status, _, body) = get(&server.addr, "/count/arrests.csv?by=aor,date", &[]);
    assert_eq!(status, 200);
    assert_eq!(String::from_utf8_lossy(&body), csv);
}

/// A burst of one URL new to the server is computed by the requests that found a slot
/// first (the server runs one per core), and every request queued behind them is answered
/// from what they kept, the same bytes: before, each queued request computed it again.
/// Run several times over, with fresh URLs, so that one lucky ordering proves nothing.
#[test]
fn a_burst_of_one_url_is_computed_once_per_slot_and_queued_requests_read_the_answer() {
    let server = serve(store(), &[]);
    let slots = std::thread::available_parallelism().map_or(1, |n| n.get());
    let burst = slots + 6;
    for (round, aor) in ["CHI", "NYC", "LOS"].iter().enumerate() {
        // A count of landmarks by day: long enough (a tenth of a second or more) for the
        // burst to queue behind it.
        let url = format!("/count/arrests.csv?by=landmark,date&aor={aor},SFR");
        let answers: Vec<(u16, String, Vec<u8>)> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..burst)
                .map(|_| {
                    s.spawn(|| {
                        let (status, headers, body) = get(&server.addr, &url, &[]);
                        let timing = header(&headers, "server-timing").unwrap_or("").to_string();
                        (status, timing, body)
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        assert!(
            answers.iter().all(|(status, _, _)| *status == 200),
            "round {round}"
        );
        assert!(
            answers.iter().all(|(_, _, body)| *body == answers[0].2),
            "round {round}: every answer the same bytes"
        );
        let computed = answers
            .iter()
            .filter(|(_, timing, _)| timing.contains("desc=\"computed\""))
            .count();
        let kept = answers
            .iter()
            .filter(|(_, timing, _)| timing.contains("response cache"))
            .count();
        let timings: Vec<&str> = answers.iter().map(|(_, t, _)| t.as_str()).collect();
        assert_eq!(computed + kept, burst, "round {round}: {timings:?}");
        assert!(
            (1..=slots).contains(&computed),
            "round {round}: {computed} of {burst} requests computed the count, with {slots} slots"
        );
    }
}
