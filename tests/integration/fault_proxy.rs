//! A fault-injecting HTTP proxy between the auditor and the emulator.
//!
//! The binary is pointed at the proxy (`AWS_ENDPOINT_URL`); the proxy names each request's AWS
//! operation (`service:Operation`) from the protocol it uses, and either forwards it to moto or
//! answers with a fault chosen per operation: throttling (a given number of times, then
//! forwarding), a 5xx, AccessDenied, a malformed body, or a hang past the client's timeout.
//!
//! Operation naming, by protocol:
//! - query (EC2, STS, ELBv2): the `Action` form field of the body;
//! - JSON (WAFv2): the `X-Amz-Target` header (`AWSWAF_20190729.GetWebACLForResource`);
//! - REST (API Gateway v1/v2): the verb and path shape (`GET /restapis/{id}/stages`).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer with the service's throttling error this many times, then forward.
    Throttle(u32),
    /// Answer `503 Service Unavailable`-style internal errors every time.
    ServerError,
    /// Answer AccessDenied every time.
    AccessDenied,
    /// Answer 200 with a body that is not the protocol's format.
    Malformed,
    /// Hold the connection open without answering for this long.
    Hang(Duration),
}

pub struct FaultProxy {
    pub endpoint: String,
    faults: Arc<Mutex<HashMap<String, Fault>>>,
    /// Every operation seen, in order (faulted or forwarded).
    seen: Arc<Mutex<Vec<String>>>,
}

impl FaultProxy {
    /// Starts a proxy in front of `upstream` (`http://127.0.0.1:PORT`) on a free port.
    pub fn start(upstream: &str, faults: &[(&str, Fault)]) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind fault proxy");
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let upstream = upstream.trim_start_matches("http://").to_string();
        let faults: Arc<Mutex<HashMap<String, Fault>>> = Arc::new(Mutex::new(
            faults
                .iter()
                .map(|(op, f)| (op.to_string(), f.clone()))
                .collect(),
        ));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (f2, s2) = (faults.clone(), seen.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let (upstream, faults, seen) = (upstream.clone(), f2.clone(), s2.clone());
                std::thread::spawn(move || {
                    let _ = serve(conn, &upstream, &faults, &seen);
                });
            }
        });
        FaultProxy {
            endpoint,
            faults,
            seen,
        }
    }

    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }

    /// How many times the proxy saw this operation.
    pub fn count(&self, op: &str) -> usize {
        self.seen().iter().filter(|o| o.as_str() == op).count()
    }

    #[allow(dead_code)]
    pub fn set(&self, op: &str, fault: Option<Fault>) {
        let mut f = self.faults.lock().unwrap();
        match fault {
            Some(fault) => f.insert(op.to_string(), fault),
            None => f.remove(op),
        };
    }
}

struct Request {
    head: Vec<u8>,
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn read_request(reader: &mut BufReader<TcpStream>) -> std::io::Result<Option<Request>> {
    let mut head = Vec::new();
    let mut request_line = String::new();
    if reader.read_line(&mut request_line)? == 0 {
        return Ok(None);
    }
    head.extend_from_slice(request_line.as_bytes());
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        if line == "\r\n" || line == "\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            let (k, v) = (k.trim().to_string(), v.trim().to_string());
            // Forward with a fresh connection per request: keep the upstream side simple.
            if !k.eq_ignore_ascii_case("connection") {
                head.extend_from_slice(line.as_bytes());
            }
            headers.push((k, v));
        }
    }
    head.extend_from_slice(b"Connection: close\r\n\r\n");
    let len = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body)?;
    Ok(Some(Request {
        head,
        method,
        path,
        headers,
        body,
    }))
}

fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The signing service from the SigV4 credential scope: `Credential=AKID/date/region/SERVICE/aws4_request`.
fn signing_service(req: &Request) -> String {
    header(req, "authorization")
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split('/').nth(3))
        .unwrap_or("unknown")
        .to_string()
}

/// Names the AWS operation of a request (see the module docs).
pub fn operation_of(method: &str, path: &str, headers: &[(String, String)], body: &[u8]) -> String {
    let req = Request {
        head: vec![],
        method: method.into(),
        path: path.into(),
        headers: headers.to_vec(),
        body: body.to_vec(),
    };
    operation(&req)
}

fn operation(req: &Request) -> String {
    let service = signing_service(req);
    if let Some(target) = header(req, "x-amz-target") {
        let op = target.rsplit('.').next().unwrap_or(target);
        return format!("{service}:{op}");
    }
    let body = String::from_utf8_lossy(&req.body);
    if let Some(action) = body.split('&').find_map(|kv| kv.strip_prefix("Action=")) {
        return format!("{service}:{action}");
    }
    let path = req.path.split('?').next().unwrap_or("");
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let verb = req.method.as_str();
    let op = match (service.as_str(), verb, segs.as_slice()) {
        ("apigateway", "GET", ["restapis"]) => "GetRestApis",
        ("apigateway", "GET", ["restapis", _, "resources"]) => "GetResources",
        ("apigateway", "GET", ["restapis", _, "stages"]) => "GetStages",
        ("apigateway", "GET", ["restapis", _, "authorizers"]) => "GetAuthorizers",
        ("apigateway", "GET", ["vpclinks"]) => "GetVpcLinks",
        ("apigateway", "GET", ["v2", "apis"]) => "GetApis",
        ("apigateway", "GET", ["v2", "apis", _, "routes"]) => "GetRoutes",
        ("apigateway", "GET", ["v2", "apis", _, "stages"]) => "GetStages(v2)",
        ("apigateway", "GET", ["v2", "domainnames"]) => "GetDomainNames",
        ("apigateway", "GET", ["v2", "domainnames", _, "apimappings"]) => "GetApiMappings",
        _ => "",
    };
    if op.is_empty() {
        format!("{service}:{verb} {path}")
    } else if op == "GetStages(v2)" {
        "apigatewayv2:GetStages".to_string()
    } else if segs.first() == Some(&"v2") {
        format!("apigatewayv2:{op}")
    } else {
        format!("{service}:{op}")
    }
}

/// The error a service of this protocol would send, as (status, content-type, extra header, body).
fn fault_response(req: &Request, code: &str, status: u16, message: &str) -> Vec<u8> {
    let service = signing_service(req);
    let (ctype, extra, body) = if header(req, "x-amz-target").is_some() || service == "apigateway" {
        (
            "application/json",
            format!("x-amzn-ErrorType: {code}\r\n"),
            format!("{{\"__type\":\"{code}\",\"message\":\"{message}\"}}"),
        )
    } else if service == "ec2" {
        (
            "text/xml",
            String::new(),
            format!("<?xml version=\"1.0\"?><Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>fault</RequestID></Response>"),
        )
    } else {
        (
            "text/xml",
            String::new(),
            format!("<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>fault</RequestId></ErrorResponse>"),
        )
    };
    format!(
        "HTTP/1.1 {status} Fault\r\nContent-Type: {ctype}\r\n{extra}Content-Length: {}\r\nConnection: keep-alive\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn throttle_code(req: &Request) -> (&'static str, u16) {
    match signing_service(req).as_str() {
        "apigateway" => ("TooManyRequestsException", 429),
        "ec2" => ("RequestLimitExceeded", 503),
        "wafv2" => ("WAFLimitsExceededException", 400),
        _ => ("Throttling", 400),
    }
}

fn serve(
    conn: TcpStream,
    upstream: &str,
    faults: &Mutex<HashMap<String, Fault>>,
    seen: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let mut writer = conn.try_clone()?;
    let mut reader = BufReader::new(conn);
    while let Some(req) = read_request(&mut reader)? {
        let op = operation(&req);
        seen.lock().unwrap().push(op.clone());
        let fault = {
            let mut f = faults.lock().unwrap();
            match f.get_mut(&op) {
                Some(Fault::Throttle(0)) => None,
                Some(Fault::Throttle(n)) => {
                    *n -= 1;
                    Some(Fault::Throttle(1))
                }
                Some(other) => Some(other.clone()),
                None => None,
            }
        };
        let response = match fault {
            None => forward(&req, upstream)?,
            Some(Fault::Throttle(_)) => {
                let (code, status) = throttle_code(&req);
                fault_response(&req, code, status, "Rate exceeded")
            }
            Some(Fault::ServerError) => {
                fault_response(&req, "InternalFailure", 500, "injected internal failure")
            }
            Some(Fault::AccessDenied) => {
                let code = if signing_service(&req) == "ec2" {
                    "UnauthorizedOperation"
                } else {
                    "AccessDeniedException"
                };
                fault_response(
                    &req,
                    code,
                    403,
                    "injected: not authorized to perform this operation",
                )
            }
            Some(Fault::Malformed) => {
                let body = "<<<this is not json or xml>>>";
                format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: keep-alive\r\n\r\n{body}", body.len()).into_bytes()
            }
            Some(Fault::Hang(d)) => {
                std::thread::sleep(d);
                return Ok(());
            }
        };
        writer.write_all(&response)?;
        writer.flush()?;
    }
    Ok(())
}

/// Sends the request upstream on a fresh connection and returns the whole response, rewritten
/// to a Content-Length framed keep-alive response for the client.
fn forward(req: &Request, upstream: &str) -> std::io::Result<Vec<u8>> {
    let mut up = TcpStream::connect(upstream)?;
    up.write_all(&req.head)?;
    up.write_all(&req.body)?;
    let mut raw = Vec::new();
    up.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
        .unwrap_or(raw.len());
    let (head, body) = raw.split_at(split);
    let head = String::from_utf8_lossy(head);
    let mut out = String::new();
    for (i, line) in head.split("\r\n").enumerate() {
        if line.is_empty() {
            continue;
        }
        let lower = line.to_ascii_lowercase();
        if i > 0
            && (lower.starts_with("connection:")
                || lower.starts_with("content-length:")
                || lower.starts_with("transfer-encoding:"))
        {
            continue;
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    // moto (werkzeug) frames with Content-Length or closes the connection; either way `body`
    // is the whole payload now.
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: keep-alive\r\n\r\n",
        body.len()
    ));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    Ok(bytes)
}
