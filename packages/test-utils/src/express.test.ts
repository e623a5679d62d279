import express from "express";
import { runExpressContract } from "./express-contract";

runExpressContract("express 5", express);
