//! The SQLite file as an operator handles it: held by whoever serves it, copied out
//! consistently, and put back only after a check.
//!
//! A process that opens the file takes a shared lock on `<file>.lock` for as long as it
//! runs, so that `restore` (which takes it exclusively) never swaps the file under a
//! running service. A backup is made with `VACUUM INTO`, a consistent copy that readers
//! and writers go on beside; a restore checks the copy it is about to put in place,
//! keeps the file it replaces aside with its WAL (a stale WAL replayed onto another file
//! corrupts it), and only then renames the copy into place.

use super::known_migrations;
use crate::checks;
use crate::schema_version::SchemaComparison;
use diesel::connection::SimpleConnection;
use diesel::sql_types::Text;
use diesel::{sql_query, Connection, RunQueryDsl, SqliteConnection};
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

/// Why a backup or a restore was not made; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("there is no SQLite database at {0}")]
    NoDatabase(String),
    #[error("{0} exists already: a backup never overwrites a file")]
    TargetExists(String),
    #[error(
        "the database {0} is in use (the service, or a key command, has it open): stop it \
         before restoring"
    )]
    InUse(String),
    #[error("the backup {path} cannot be trusted: {problems}")]
    Untrusted { path: String, problems: String },
    #[error("{what} {path}")]
    Io {
        what: &'static str,
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("SQLite refused the {what}")]
    Sqlite {
        what: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

fn io<'a>(what: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> FileError + 'a {
    move |source| FileError::Io {
        what,
        path: path.display().to_string(),
        source,
    }
}

fn sqlite(what: &'static str) -> impl FnOnce(diesel::result::Error) -> FileError {
    move |source| FileError::Sqlite {
        what,
        source: Box::new(source),
    }
}

/// `<file>.lock`, beside the database.
fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Takes the shared lock on `database` for the rest of the process: a process that
/// opens the file holds it while it runs, so no restore swaps the file under it.
pub(crate) fn hold(database: &Path) -> std::io::Result<()> {
    static HELD: Mutex<Option<HashMap<PathBuf, File>>> = Mutex::new(None);
    let mut held = HELD.lock().unwrap_or_else(PoisonError::into_inner);
    let held = held.get_or_insert_with(HashMap::new);
    if held.contains_key(database) {
        return Ok(());
    }
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(lock_path(database))?;
    lock.lock_shared()?;
    held.insert(database.to_owned(), lock);
    Ok(())
}

/// Copies the database at `database` to `target`, consistently while it is in use, and
/// checks the copy. The copy is readable by its owner alone and on disk when this
/// returns.
///
/// # Errors
/// When there is no database, `target` exists, or the copy cannot be made or checked.
pub fn backup(database: &Path, target: &Path) -> Result<(), FileError> {
    if !database.is_file() {
        return Err(FileError::NoDatabase(database.display().to_string()));
    }
    // Made first, empty and the owner's alone, so the copy is never readable by others;
    // VACUUM INTO writes into an empty file.
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(target)
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::AlreadyExists => {
                FileError::TargetExists(target.display().to_string())
            }
            _ => io("cannot create", target)(error),
        })?;
    let copied = (|| {
        let mut conn =
            SqliteConnection::establish(&database.display().to_string()).map_err(|source| {
                FileError::Sqlite {
                    what: "connection",
                    source: Box::new(source),
                }
            })?;
        conn.batch_execute("PRAGMA busy_timeout = 5000;")
            .map_err(sqlite("busy timeout"))?;
        sql_query("VACUUM INTO ?")
            .bind::<Text, _>(target.display().to_string())
            .execute(&mut conn)
            .map_err(sqlite("copy (VACUUM INTO)"))?;
        sync(target)?;
        check(target)
    })();
    if copied.is_err() {
        let _ = std::fs::remove_file(target);
    }
    copied
}

/// Puts the backup at `backup` in place of the database at `database`, once nothing
/// holds the database and the copy about to be put in place has passed every check.
/// The file it replaces stays beside it, with its WAL, as `<file>.replaced-<seconds
/// since 1970>` (never overwritten); a stale `-shm` is removed. Returns where the
/// replaced file went, if there was one.
///
/// Until the last step the database's path holds the old file; the last step, a rename,
/// puts the new one there at once. Between removing the old WAL and that rename,
/// `<file>.restoring` exists, and the service refuses to start while it does.
///
/// # Errors
/// When the database is in use, the copy fails a check, or a file cannot be moved.
pub fn restore(database: &Path, backup: &Path) -> Result<Option<PathBuf>, FileError> {
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(lock_path(database))
        .map_err(io("cannot open the lock", &lock_path(database)))?;
    if lock.try_lock().is_err() {
        return Err(FileError::InUse(database.display().to_string()));
    }
    if !backup.is_file() {
        return Err(FileError::NoDatabase(backup.display().to_string()));
    }
    let incoming = restoring_path(database);
    let prepared = copy_for(database, backup, &incoming).and_then(|()| check(&incoming));
    if let Err(error) = prepared {
        let _ = std::fs::remove_file(&incoming);
        return Err(error);
    }
    let replaced = if database.exists() {
        let aside = link_aside(database)?;
        let wal = with_suffix(database, "-wal");
        if wal.exists() {
            let wal_aside = with_suffix(&aside, "-wal");
            std::fs::hard_link(&wal, &wal_aside).map_err(io("cannot keep aside", &wal))?;
            std::fs::remove_file(&wal).map_err(io("cannot remove", &wal))?;
        }
        Some(aside)
    } else {
        None
    };
    let shm = with_suffix(database, "-shm");
    if shm.exists() {
        std::fs::remove_file(&shm).map_err(io("cannot remove", &shm))?;
    }
    std::fs::rename(&incoming, database).map_err(io("cannot put in place", database))?;
    sync_folder(database)?;
    drop(lock);
    Ok(replaced)
}

/// `<file>.restoring`: the checked copy a restore is about to put in place.
pub(crate) fn restoring_path(database: &Path) -> PathBuf {
    with_suffix(database, ".restoring")
}

/// Whether a process has opened the database at this path before (its lock file then
/// says so): a missing file there is lost, not new.
pub(crate) fn was_opened_before(database: &Path) -> bool {
    std::fs::metadata(lock_path(database)).is_ok_and(|lock| lock.len() > 0)
}

/// Notes in the lock file that the database at this path has been opened and migrated.
/// Written only once the file exists: processes starting together on a new file all
/// make the lock file, and none of them may take the others' for a lost database.
pub(crate) fn mark_opened(database: &Path) -> std::io::Result<()> {
    use std::io::Write;
    let lock = lock_path(database);
    if std::fs::metadata(&lock)?.len() == 0 {
        OpenOptions::new()
            .append(true)
            .open(&lock)?
            .write_all(b"opened\n")?;
    }
    Ok(())
}

/// Copies `backup` to `incoming`: the owner's alone, owned as the database it replaces
/// (a restore run as root must not leave the service a file it cannot open).
fn copy_for(database: &Path, backup: &Path, incoming: &Path) -> Result<(), FileError> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    std::fs::copy(backup, incoming).map_err(io("cannot copy the backup to", incoming))?;
    std::fs::set_permissions(incoming, std::fs::Permissions::from_mode(0o600))
        .map_err(io("cannot set the mode of", incoming))?;
    if let Ok(owner) = std::fs::metadata(database) {
        std::os::unix::fs::chown(incoming, Some(owner.uid()), Some(owner.gid()))
            .map_err(io("cannot give the owner of the database", incoming))?;
    }
    sync(incoming)
}

/// A second name for the database, `<file>.replaced-<seconds>` (with `-<n>` when that
/// is taken): a hard link, so the database's own path never goes empty.
fn link_aside(database: &Path) -> Result<PathBuf, FileError> {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    for n in 0..1000 {
        let suffix = if n == 0 {
            format!(".replaced-{stamp}")
        } else {
            format!(".replaced-{stamp}-{n}")
        };
        let aside = with_suffix(database, &suffix);
        match std::fs::hard_link(database, &aside) {
            Ok(()) => return Ok(aside),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(error) => return Err(io("cannot keep aside", database)(error)),
        }
    }
    Err(io("cannot find a free name beside", database)(
        std::io::ErrorKind::AlreadyExists.into(),
    ))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Every check `verify` makes of a SQLite file, on the file at `path`.
fn check(path: &Path) -> Result<(), FileError> {
    let untrusted = |problems: String| FileError::Untrusted {
        path: path.display().to_string(),
        problems,
    };
    let mut conn = SqliteConnection::establish(&path.display().to_string()).map_err(|source| {
        FileError::Sqlite {
            what: "connection",
            source: Box::new(source),
        }
    })?;
    // A file SQLite cannot even check ("not a database") fails the check.
    if let Some(problems) = checks::integrity(&mut conn, "integrity_check")
        .map_err(|error| untrusted(error.to_string()))?
    {
        return Err(untrusted(problems));
    }
    if let Some(problems) =
        checks::missing_creations(&mut conn, checks::SQLITE_CREATION).map_err(sqlite("check"))?
    {
        return Err(untrusted(problems));
    }
    if let Some(problems) = checks::foreign_keys(&mut conn).map_err(sqlite("check"))? {
        return Err(untrusted(problems));
    }
    let applied: Vec<String> = sql_query("SELECT version AS line FROM __diesel_schema_migrations")
        .load::<checks::Line>(&mut conn)
        .map_err(sqlite("read of its migrations"))?
        .into_iter()
        .map(|row| row.line)
        .collect();
    let comparison = SchemaComparison::of(&known_migrations(), &applied);
    if let Some(newest) = comparison.unknown.last() {
        return Err(untrusted(format!(
            "migration {newest} is newer than this binary knows (its newest is {})",
            comparison.latest_known
        )));
    }
    drop(conn);
    sync(path)
}

/// Flushes the file at `path`, and its folder's entry for it, to disk.
fn sync(path: &Path) -> Result<(), FileError> {
    File::open(path)
        .and_then(|file| file.sync_all())
        .map_err(io("cannot flush", path))?;
    sync_folder(path)
}

fn sync_folder(path: &Path) -> Result<(), FileError> {
    let folder = match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => Path::new("."),
    };
    File::open(folder)
        .and_then(|folder| folder.sync_all())
        .map_err(io("cannot flush the folder of", path))
}
