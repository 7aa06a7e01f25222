//! The one router of the Connect REST API. Handlers only translate HTTP to [`Herder`]
//! calls and back (Apache's `rest/resources`); what Apache's Jersey layer does on its
//! own (415 for a body that is not JSON, 405, 404 for unknown paths, the error shape of
//! every failure) is done here too.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::entities::{ActiveTopics, ConnectorExpansion, CreateConnectorRequest, Message};
use super::error::RestError;
use super::loggers::Loggers;
use crate::connectors::ConfigMap;
use crate::herder::Herder;
use crate::herder::entities::{ConnectorInfo, ConnectorOffsets};
use crate::runtime::TargetState;

/// Largest request body accepted. Apache (Jetty) sets no limit of its own; this one only
/// protects the process, and is far above any connector config.
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

#[derive(Clone)]
struct AppState {
    herder: Arc<dyn Herder>,
    loggers: Arc<Loggers>,
}

type S = State<AppState>;
type RestResult<T = Response> = Result<T, RestError>;

/// The REST API over `herder`; `/admin/loggers` only records levels (see
/// [`router_with_loggers`] to apply them).
pub fn router(herder: Arc<dyn Herder>) -> Router {
    router_with_loggers(herder, Arc::new(Loggers::detached()))
}

/// The REST API over `herder`, with `/admin/loggers` changing this process's log filter
/// through `loggers`.
pub fn router_with_loggers(herder: Arc<dyn Herder>, loggers: Arc<Loggers>) -> Router {
    Router::new()
        .route("/", get(server_info))
        .route("/connectors", get(list_connectors).post(create_connector))
        .route(
            "/connectors/{name}",
            get(connector_info).delete(delete_connector),
        )
        .route(
            "/connectors/{name}/config",
            get(connector_config)
                .put(put_connector_config)
                .patch(patch_connector_config),
        )
        .route("/connectors/{name}/status", get(connector_status))
        .route("/connectors/{name}/restart", post(restart_connector))
        .route("/connectors/{name}/pause", put(pause_connector))
        .route("/connectors/{name}/resume", put(resume_connector))
        .route("/connectors/{name}/stop", put(stop_connector))
        .route("/connectors/{name}/tasks", get(task_configs))
        .route("/connectors/{name}/tasks/{task}/status", get(task_status))
        .route(
            "/connectors/{name}/tasks/{task}/restart",
            post(restart_task),
        )
        .route("/connectors/{name}/topics", get(connector_topics))
        .route("/connectors/{name}/topics/reset", put(reset_topics))
        .route(
            "/connectors/{name}/offsets",
            get(connector_offsets)
                .patch(alter_offsets)
                .delete(reset_offsets),
        )
        .route("/connector-plugins", get(plugins))
        .route("/connector-plugins/{plugin}/config", get(plugin_config))
        .route(
            "/connector-plugins/{plugin}/config/validate",
            put(validate_config),
        )
        .route("/admin/loggers", get(all_loggers))
        .route("/admin/loggers/{logger}", get(get_logger).put(set_logger))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::map_response(apache_error_shape))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(AppState { herder, loggers })
}

async fn not_found() -> RestError {
    RestError::not_found("HTTP 404 Not Found")
}

async fn method_not_allowed() -> RestError {
    RestError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "HTTP 405 Method Not Allowed",
    )
}

/// Every error leaves in Connect's JSON shape, including the ones axum's extractors
/// produce as plain text (a path that is not valid UTF-8, a body over the limit):
/// those become `{"error_code":N,"message":"HTTP N <reason>"}` as Jersey writes them.
async fn apache_error_shape(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if status.as_u16() < 400 || is_json {
        return response;
    }
    let reason = status.canonical_reason().unwrap_or("Error");
    RestError::new(status, format!("HTTP {} {reason}", status.as_u16())).into_response()
}

/// Parses a JSON body as Jersey does: 415 unless the request says it is JSON, then
/// Jackson's failure is a 500 carrying the parser's message.
fn json_body<T: DeserializeOwned>(headers: &HeaderMap, body: &Bytes) -> RestResult<T> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            let mime = v.split(';').next().unwrap_or("").trim();
            mime.eq_ignore_ascii_case("application/json")
        });
    if !is_json {
        return Err(RestError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "HTTP 415 Unsupported Media Type",
        ));
    }
    serde_json::from_slice(body)
        .map_err(|e| RestError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}

/// Values of one query parameter, in order (`expand=a&expand=b`).
fn query_values(query: &Option<String>, name: &str) -> Vec<String> {
    let Some(query) = query else {
        return Vec::new();
    };
    query
        .split('&')
        .filter_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (key == name).then(|| percent_decode(value))
        })
        .collect()
}

/// A query flag parsed as Java's `Boolean.valueOf`: only `true` (any case) is true.
fn query_flag(query: &Option<String>, name: &str, default: bool) -> bool {
    query_values(query, name)
        .first()
        .map(|v| v.eq_ignore_ascii_case("true"))
        .unwrap_or(default)
}

/// A query value as a form decodes it: `+` is a space, then `%XX` escapes (an invalid
/// escape stays as written, and invalid UTF-8 becomes U+FFFD).
fn percent_decode(value: &str) -> String {
    percent_encoding::percent_decode_str(&value.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// A task id from the path; anything that is not an int is an unknown path in Apache.
fn task_index(task: &str) -> RestResult<i32> {
    task.parse()
        .map_err(|_| RestError::not_found("HTTP 404 Not Found"))
}

async fn server_info(State(app): S) -> RestResult {
    Ok(Json(app.herder.server_info().await?).into_response())
}

async fn list_connectors(State(app): S, RawQuery(query): RawQuery) -> RestResult {
    let names = app.herder.connectors().await?;
    let expand = query_values(&query, "expand");
    if expand.is_empty() {
        return Ok(Json(names).into_response());
    }
    let with_info = expand.iter().any(|e| e.eq_ignore_ascii_case("info"));
    let with_status = expand.iter().any(|e| e.eq_ignore_ascii_case("status"));
    let mut expanded = BTreeMap::new();
    for name in names {
        // A connector deleted meanwhile is left out, as Apache does.
        let mut entry = ConnectorExpansion::default();
        if with_info {
            match app.herder.connector_info(&name).await {
                Ok(info) => entry.info = Some(info),
                Err(_) => continue,
            }
        }
        if with_status {
            match app.herder.connector_status(&name).await {
                Ok(status) => entry.status = Some(status),
                Err(_) => continue,
            }
        }
        expanded.insert(name, entry);
    }
    Ok(Json(expanded).into_response())
}

fn parse_initial_state(state: Option<&str>) -> RestResult<Option<TargetState>> {
    let Some(name) = state else {
        return Ok(None);
    };
    // Jackson fails on an unknown enum constant, which Connect answers with 500.
    TargetState::from_name(name).map(Some).ok_or_else(|| {
        RestError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!(
                "Cannot construct instance of `org.apache.kafka.connect.runtime.rest.entities.CreateConnectorRequest$InitialState`, problem: No enum constant org.apache.kafka.connect.runtime.rest.entities.CreateConnectorRequest.InitialState.{name}"
            ),
        )
    })
}

/// What Connect answers when a config body is JSON `null` or missing.
fn null_config() -> RestError {
    RestError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Cannot invoke \"java.util.Map.get(Object)\" because \"connectorConfig\" is null",
    )
}

async fn create_connector(State(app): S, headers: HeaderMap, body: Bytes) -> RestResult {
    let request: CreateConnectorRequest = json_body(&headers, &body)?;
    let name = request
        .name
        .map(|n| n.trim().to_owned())
        .unwrap_or_default();
    let mut config = request.config.ok_or_else(null_config)?;
    check_name_matches(&name, &mut config)?;
    let initial_state = parse_initial_state(request.initial_state.as_deref())?;
    let outcome = app
        .herder
        .put_connector_config(&name, config, false, initial_state)
        .await?;
    Ok(created(&headers, outcome.info))
}

fn created(headers: &HeaderMap, info: ConnectorInfo) -> Response {
    let location = format!(
        "{}/connectors/{}",
        base_url(headers),
        encode_path(&info.name)
    );
    (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(info),
    )
        .into_response()
}

/// A connector name as one path segment of the `Location` header.
fn encode_path(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The config's `name` must equal the connector's; a missing one is filled in.
fn check_name_matches(name: &str, config: &mut ConfigMap) -> RestResult<()> {
    match config.get("name") {
        Some(in_config) if in_config != name => Err(RestError::bad_request(format!(
            "Connector name configuration ({in_config}) doesn't match connector name in the URL ({name})"
        ))),
        Some(_) => Ok(()),
        None => {
            config.insert("name".into(), name.into());
            Ok(())
        }
    }
}

fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost:8083");
    format!("http://{host}")
}

async fn connector_info(State(app): S, Path(name): Path<String>) -> RestResult {
    Ok(Json(app.herder.connector_info(&name).await?).into_response())
}

async fn delete_connector(State(app): S, Path(name): Path<String>) -> RestResult {
    app.herder.delete_connector(&name).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn connector_config(State(app): S, Path(name): Path<String>) -> RestResult {
    Ok(Json(app.herder.connector_config(&name).await?).into_response())
}

async fn put_connector_config(
    State(app): S,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> RestResult {
    let config: Option<ConfigMap> = json_body(&headers, &body)?;
    let mut config = config.ok_or_else(null_config)?;
    check_name_matches(&name, &mut config)?;
    let outcome = app
        .herder
        .put_connector_config(&name, config, true, None)
        .await?;
    if outcome.created {
        Ok(created(&headers, outcome.info))
    } else {
        Ok(Json(outcome.info).into_response())
    }
}

async fn patch_connector_config(
    State(app): S,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> RestResult {
    let patch: BTreeMap<String, Option<String>> = json_body(&headers, &body)?;
    Ok(Json(app.herder.patch_connector_config(&name, patch).await?).into_response())
}

async fn connector_status(State(app): S, Path(name): Path<String>) -> RestResult {
    Ok(Json(app.herder.connector_status(&name).await?).into_response())
}

async fn restart_connector(
    State(app): S,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> RestResult {
    let include_tasks = query_flag(&query, "includeTasks", false);
    let only_failed = query_flag(&query, "onlyFailed", false);
    let status = app
        .herder
        .restart_connector(&name, include_tasks, only_failed)
        .await?;
    // Apache answers the plain restart with 204 and the extended one with 202 + plan.
    if !include_tasks && !only_failed {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Ok((StatusCode::ACCEPTED, Json(status)).into_response())
    }
}

async fn pause_connector(State(app): S, Path(name): Path<String>) -> RestResult {
    app.herder
        .set_target_state(&name, TargetState::Paused)
        .await?;
    Ok(StatusCode::ACCEPTED.into_response())
}

async fn resume_connector(State(app): S, Path(name): Path<String>) -> RestResult {
    app.herder
        .set_target_state(&name, TargetState::Started)
        .await?;
    Ok(StatusCode::ACCEPTED.into_response())
}

async fn stop_connector(State(app): S, Path(name): Path<String>) -> RestResult {
    app.herder
        .set_target_state(&name, TargetState::Stopped)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn task_configs(State(app): S, Path(name): Path<String>) -> RestResult {
    Ok(Json(app.herder.task_configs(&name).await?).into_response())
}

async fn task_status(State(app): S, Path((name, task)): Path<(String, String)>) -> RestResult {
    Ok(Json(app.herder.task_status(&name, task_index(&task)?).await?).into_response())
}

async fn restart_task(State(app): S, Path((name, task)): Path<(String, String)>) -> RestResult {
    app.herder.restart_task(&name, task_index(&task)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn connector_topics(State(app): S, Path(name): Path<String>) -> RestResult {
    let topics = app.herder.connector_topics(&name).await?;
    let body = BTreeMap::from([(name, ActiveTopics { topics })]);
    Ok(Json(body).into_response())
}

async fn reset_topics(State(app): S, Path(name): Path<String>) -> RestResult {
    app.herder.reset_connector_topics(&name).await?;
    Ok(StatusCode::ACCEPTED.into_response())
}

async fn connector_offsets(State(app): S, Path(name): Path<String>) -> RestResult {
    Ok(Json(app.herder.connector_offsets(&name).await?).into_response())
}

async fn alter_offsets(
    State(app): S,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> RestResult {
    let offsets: ConnectorOffsets = json_body(&headers, &body)?;
    let message = app.herder.alter_connector_offsets(&name, offsets).await?;
    Ok(Json(Message { message }).into_response())
}

async fn reset_offsets(State(app): S, Path(name): Path<String>) -> RestResult {
    let message = app.herder.reset_connector_offsets(&name).await?;
    Ok(Json(Message { message }).into_response())
}

async fn plugins(State(app): S, RawQuery(query): RawQuery) -> RestResult {
    let connectors_only = query_flag(&query, "connectorsOnly", true);
    Ok(Json(app.herder.plugins(connectors_only).await?).into_response())
}

async fn plugin_config(State(app): S, Path(plugin): Path<String>) -> RestResult {
    Ok(Json(app.herder.plugin_config(&plugin).await?).into_response())
}

async fn validate_config(
    State(app): S,
    Path(plugin): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> RestResult {
    let config: Option<ConfigMap> = json_body(&headers, &body)?;
    let config = config.ok_or_else(null_config)?;
    Ok(Json(app.herder.validate_config(&plugin, config).await?).into_response())
}

async fn all_loggers(State(app): S) -> RestResult {
    Ok(Json(app.loggers.all()).into_response())
}

async fn get_logger(State(app): S, Path(logger): Path<String>) -> RestResult {
    Ok(Json(app.loggers.get(&logger)?).into_response())
}

#[derive(Deserialize)]
struct LevelRequest {
    level: Option<String>,
}

async fn set_logger(
    State(app): S,
    Path(logger): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> RestResult {
    let request: LevelRequest = json_body(&headers, &body)?;
    let level = request.level.ok_or_else(|| {
        RestError::bad_request("Desired 'level' parameter was not specified in request.")
    })?;
    Ok(Json(app.loggers.set(&logger, &level)?).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_decode_as_forms_do() {
        let query = Some("expand=st%61tus&expand=a+b%2Bc&x=1&expand=%zz%".to_owned());
        assert_eq!(query_values(&query, "expand"), ["status", "a b+c", "%zz%"]);
    }
}
