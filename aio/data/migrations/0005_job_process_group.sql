-- The process group of each job that runs, so a core that restarts after a crash can find
-- what its job left running.
ALTER TABLE jobs ADD COLUMN pgid INTEGER;
