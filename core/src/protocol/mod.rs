pub mod compression;
pub mod record;
