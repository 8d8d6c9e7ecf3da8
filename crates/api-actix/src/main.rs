//! The `billing-events` binary: the composition root. It reads the settings, starts
//! logging, and runs the application until it is told to stop.

use api_actix::{telemetry, Application, Settings};
use std::process::ExitCode;

#[actix_web::main]
async fn main() -> ExitCode {
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("billing-events: {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings.log);
    let application = match Application::build(settings).await {
        Ok(application) => application,
        Err(error) => {
            tracing::error!(error = %app::error_chain(&error), "billing-events could not start");
            return ExitCode::FAILURE;
        }
    };
    match application.run_until_stopped().await {
        Ok(()) => {
            tracing::info!("billing-events stopped");
            ExitCode::SUCCESS
        }
        Err(error) => {
            tracing::error!(error = %error, "billing-events stopped on an error");
            ExitCode::FAILURE
        }
    }
}
