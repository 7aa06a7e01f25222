//! The one router of the Connect REST API. Handlers only translate HTTP to [`Herder`]
//! calls and back (Apache's `rest/resources`).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::entities::CreateConnectorRequest;
use super::error::RestError;
use super::herder::Herder;
use crate::connectors::ConfigMap;
use crate::runtime::TargetState;

type Shared = Arc<dyn Herder>;
type RestResult<T = Response> = Result<T, RestError>;

/// The REST API over `herder`.
pub fn router(herder: Shared) -> Router {
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
        .route("/connector-plugins", get(plugins))
        .fallback(not_found)
        .with_state(herder)
}

async fn not_found() -> RestError {
    RestError::not_found("HTTP 404 Not Found")
}

/// Parses a JSON body, answering malformed input with Connect's error shape.
fn json_body<T: DeserializeOwned>(body: &Bytes) -> RestResult<T> {
    serde_json::from_slice(body)
        .map_err(|e| RestError::bad_request(format!("Invalid JSON in request body: {e}")))
}

fn task_index(task: &str) -> RestResult<i32> {
    task.parse()
        .map_err(|_| RestError::not_found("HTTP 404 Not Found"))
}

async fn server_info(State(herder): State<Shared>) -> RestResult {
    Ok(Json(herder.server_info().await?).into_response())
}

async fn list_connectors(State(herder): State<Shared>) -> RestResult {
    Ok(Json(herder.connectors().await?).into_response())
}

fn parse_initial_state(state: Option<&str>) -> RestResult<Option<TargetState>> {
    Ok(match state {
        None => None,
        Some(s) => Some(match s.to_ascii_uppercase().as_str() {
            "RUNNING" => TargetState::Started,
            "PAUSED" => TargetState::Paused,
            "STOPPED" => TargetState::Stopped,
            _ => {
                return Err(RestError::bad_request(format!(
                    "Invalid initial state {s}; must be one of RUNNING, PAUSED or STOPPED"
                )));
            }
        }),
    })
}

async fn create_connector(
    State(herder): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> RestResult {
    let request: CreateConnectorRequest = json_body(&body)?;
    let name = request.name.unwrap_or_default().trim().to_owned();
    if name.is_empty() {
        return Err(RestError::bad_request("Connector name must not be empty"));
    }
    let mut config = request
        .config
        .ok_or_else(|| RestError::bad_request("Connector config must not be null"))?;
    check_name_matches(&name, &mut config)?;
    let initial_state = parse_initial_state(request.initial_state.as_deref())?;
    let outcome = herder
        .put_connector_config(&name, config, false, initial_state)
        .await?;
    let location = format!("{}/connectors/{}", base_url(&headers), outcome.info.name);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(outcome.info),
    )
        .into_response())
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

async fn connector_info(State(herder): State<Shared>, Path(name): Path<String>) -> RestResult {
    Ok(Json(herder.connector_info(&name).await?).into_response())
}

async fn delete_connector(State(herder): State<Shared>, Path(name): Path<String>) -> RestResult {
    herder.delete_connector(&name).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn connector_config(State(herder): State<Shared>, Path(name): Path<String>) -> RestResult {
    Ok(Json(herder.connector_config(&name).await?).into_response())
}

async fn put_connector_config(
    State(herder): State<Shared>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> RestResult {
    let mut config: ConfigMap = json_body(&body)?;
    check_name_matches(&name, &mut config)?;
    let outcome = herder
        .put_connector_config(&name, config, true, None)
        .await?;
    if outcome.created {
        let location = format!("{}/connectors/{}", base_url(&headers), outcome.info.name);
        Ok((
            StatusCode::CREATED,
            [(header::LOCATION, location)],
            Json(outcome.info),
        )
            .into_response())
    } else {
        Ok(Json(outcome.info).into_response())
    }
}

async fn patch_connector_config(
    State(herder): State<Shared>,
    Path(name): Path<String>,
    body: Bytes,
) -> RestResult {
    let patch: BTreeMap<String, Option<String>> = json_body(&body)?;
    Ok(Json(herder.patch_connector_config(&name, patch).await?).into_response())
}

async fn connector_status(State(herder): State<Shared>, Path(name): Path<String>) -> RestResult {
    Ok(Json(herder.connector_status(&name).await?).into_response())
}

#[derive(Deserialize)]
struct RestartParams {
    #[serde(rename = "includeTasks", default)]
    include_tasks: bool,
    #[serde(rename = "onlyFailed", default)]
    only_failed: bool,
}

async fn restart_connector(
    State(herder): State<Shared>,
    Path(name): Path<String>,
    Query(params): Query<RestartParams>,
) -> RestResult {
    let status = herder
        .restart_connector(&name, params.include_tasks, params.only_failed)
        .await?;
    // Apache answers the plain restart with 204 and the extended one with 202 + status.
    if !params.include_tasks && !params.only_failed {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Ok((StatusCode::ACCEPTED, Json(status)).into_response())
    }
}

async fn pause_connector(State(herder): State<Shared>, Path(name): Path<String>) -> RestResult {
    herder.set_target_state(&name, TargetState::Paused).await?;
    Ok(StatusCode::ACCEPTED.into_response())
}

async fn resume_connector(State(herder): State<Shared>, Path(name): Path<String>) -> RestResult {
    herder.set_target_state(&name, TargetState::Started).await?;
    Ok(StatusCode::ACCEPTED.into_response())
}

async fn stop_connector(State(herder): State<Shared>, Path(name): Path<String>) -> RestResult {
    herder.set_target_state(&name, TargetState::Stopped).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn task_configs(State(herder): State<Shared>, Path(name): Path<String>) -> RestResult {
    Ok(Json(herder.task_configs(&name).await?).into_response())
}

async fn task_status(
    State(herder): State<Shared>,
    Path((name, task)): Path<(String, String)>,
) -> RestResult {
    Ok(Json(herder.task_status(&name, task_index(&task)?).await?).into_response())
}

async fn restart_task(
    State(herder): State<Shared>,
    Path((name, task)): Path<(String, String)>,
) -> RestResult {
    herder.restart_task(&name, task_index(&task)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn plugins(State(herder): State<Shared>) -> RestResult {
    Ok(Json(herder.plugins().await?).into_response())
}
