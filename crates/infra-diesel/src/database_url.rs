//! The database URL: which backend, where, and a form of it that is safe to log.

use std::fmt;

/// A database URL, checked for a supported scheme. Its `Debug` and `Display` hide any
/// password, so it can be logged.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

/// The backend a URL selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend<'a> {
    /// `sqlite://relative/path` or `sqlite:///absolute/path`: a file.
    Sqlite { path: &'a str },
    /// `postgres://…` or `postgresql://…`, handed to libpq as it is.
    Postgres,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DatabaseUrlError {
    #[error("must start with sqlite:// or postgres:// (got {0:?})")]
    UnsupportedScheme(String),
    #[error("a sqlite:// URL needs a file path, e.g. sqlite://data/billing-events.db")]
    MissingPath,
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, DatabaseUrlError> {
        let parsed = Self(url.to_owned());
        match parsed.try_backend() {
            Some(Backend::Sqlite { path: "" }) => Err(DatabaseUrlError::MissingPath),
            Some(_) => Ok(parsed),
            None => {
                let scheme = url.split_once("://").map_or("", |(scheme, _)| scheme);
                Err(DatabaseUrlError::UnsupportedScheme(scheme.to_owned()))
            }
        }
    }

    pub fn backend(&self) -> Backend<'_> {
        // `parse` let only the two schemes through.
        self.try_backend().unwrap_or(Backend::Postgres)
    }

    fn try_backend(&self) -> Option<Backend<'_>> {
        if let Some(path) = self.0.strip_prefix("sqlite://") {
            Some(Backend::Sqlite { path })
        } else if self.0.starts_with("postgres://") || self.0.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    /// The URL with its password, for the driver only. Never log this.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with any password replaced by `***`.
    pub fn redacted(&self) -> String {
        let Some((scheme, rest)) = self.0.split_once("://") else {
            return self.0.clone();
        };
        let authority_end = rest.find('/').unwrap_or(rest.len());
        let Some(at) = rest[..authority_end].rfind('@') else {
            return self.0.clone();
        };
        match rest[..at].split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***{}", &rest[at..]),
            None => self.0.clone(),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DatabaseUrl")
            .field(&self.redacted())
            .finish()
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_selects_the_backend() {
        let relative = DatabaseUrl::parse("sqlite://data/billing-events.db").unwrap();
        assert_eq!(
            relative.backend(),
            Backend::Sqlite {
                path: "data/billing-events.db"
            }
        );
        let absolute = DatabaseUrl::parse("sqlite:///var/lib/billing.db").unwrap();
        assert_eq!(
            absolute.backend(),
            Backend::Sqlite {
                path: "/var/lib/billing.db"
            }
        );
        for url in ["postgres://u@h/db", "postgresql://u@h/db"] {
            assert_eq!(
                DatabaseUrl::parse(url).unwrap().backend(),
                Backend::Postgres
            );
        }
    }

    #[test]
    fn other_schemes_and_empty_paths_are_refused() {
        assert_eq!(
            DatabaseUrl::parse("mysql://localhost/db"),
            Err(DatabaseUrlError::UnsupportedScheme("mysql".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("data.db"),
            Err(DatabaseUrlError::UnsupportedScheme(String::new()))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite://"),
            Err(DatabaseUrlError::MissingPath)
        );
    }

    #[test]
    fn passwords_never_show_in_debug_or_display() {
        let url = DatabaseUrl::parse("postgres://billing:s3cr3t@db.internal:5432/billing").unwrap();
        assert_eq!(
            url.to_string(),
            "postgres://billing:***@db.internal:5432/billing"
        );
        assert!(!format!("{url:?}").contains("s3cr3t"));
        assert_eq!(
            url.expose(),
            "postgres://billing:s3cr3t@db.internal:5432/billing"
        );
        let no_password = DatabaseUrl::parse("postgres://postgres@127.0.0.1/db").unwrap();
        assert_eq!(no_password.to_string(), "postgres://postgres@127.0.0.1/db");
    }
}
