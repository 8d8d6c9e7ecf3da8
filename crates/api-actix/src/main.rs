//! The `billing-events` binary: the composition root. It reads the settings, then
//! either serves (starting logging first) or runs a key command.

use api_actix::cli::{self, Cli, Command};
use api_actix::{telemetry, Application, Settings};
use clap::Parser;
use std::process::ExitCode;

#[actix_web::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("billing-events: {error}");
            return ExitCode::from(2);
        }
    };
    match cli.command {
        None | Some(Command::Serve) => serve(settings).await,
        // No log set-up: a command's standard output is for the script that runs it.
        Some(Command::Keys(command)) => cli::run_keys(settings, command).await,
        Some(Command::Verify) => cli::run_verify(settings).await,
        Some(Command::Migrate) => cli::run_migrate(settings).await,
        Some(Command::Backup { path }) => cli::run_file_command(settings, false, path).await,
        Some(Command::Restore { path }) => cli::run_file_command(settings, true, path).await,
    }
}

async fn serve(settings: Settings) -> ExitCode {
    telemetry::init(&settings.log);
    let application = match Application::build(settings).await {
        Ok(application) => application,
        Err(error) => {
            tracing::error!(error = %app::error_chain(&error), "billing-events could not start");
            return ExitCode::from(error.exit_code());
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
