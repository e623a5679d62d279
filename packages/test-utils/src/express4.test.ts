import express4 from "express4";
import { runExpressContract } from "./express-contract";

runExpressContract("express 4", express4);
